// The links between a run and its re-runs from a state: "Re-run of <run> from <state>" and the
// re-runs made of it. Render only.
import { Fragment } from "react";
import type { Rerun, RerunOf } from "../api/client";
import { StatusBadge } from "../pages/StartPage";
import { executionPath, navigate } from "../router";

function RunLink({ arn, name }: { arn: string; name: string }) {
  return <a href={executionPath(arn)} onClick={(e) => { e.preventDefault(); navigate(executionPath(arn)); }}>{name}</a>;
}

export default function RerunLinks({ rerunOf, reruns }: { rerunOf: RerunOf | null; reruns: Rerun[] }) {
  return (
    <>
      {rerunOf && (
        <p className="rerun-of" data-testid="rerun-of">Re-run of <RunLink arn={rerunOf.arn} name={rerunOf.name} /> from <strong>{rerunOf.state}</strong></p>
      )}
      {reruns.length > 0 && (
        <p className="rerun-of" data-testid="reruns">
          Run again as{" "}
          {reruns.map((r, i) => (
            <Fragment key={r.arn}>{i > 0 && ", "}<RunLink arn={r.arn} name={r.name} /> from <strong>{r.state}</strong> <StatusBadge status={r.status} /></Fragment>
          ))}
        </p>
      )}
    </>
  );
}
