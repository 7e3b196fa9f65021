// A state machine's local-test settings in the designer: the saved fault plan and clock, the plan
// being edited, and saving them (GET/PUT /api/state-machines/<name>/local-settings/).
import { useCallback, useEffect, useMemo, useState } from "react";
import { ApiError, getLocalSettings, putLocalSettings } from "../api/client";
import { EMPTY_PLAN, faultBadges, planProblems, planToSave, renamedInPlan, type Clock, type FaultPlan, type LocalSettings } from "./localTesting";

export function useLocalSettings(name: string) {
  const [saved, setSaved] = useState<LocalSettings>({ faults: null, clock: null });
  const [plan, setPlan] = useState<FaultPlan>(EMPTY_PLAN);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    getLocalSettings(name)
      .then((s) => {
        if (!live) return;
        setSaved(s);
        setPlan(s.faults ?? EMPTY_PLAN);
      })
      .catch((e: Error) => live && setError(`Could not read the local-test settings: ${e.message}`));
    return () => {
      live = false;
    };
  }, [name]);

  /** Store the plan being edited, and `clock` when given (else the saved clock stays); the reason
   * when it was not saved, else null. */
  const save = useCallback(async (change: { clock?: Clock } = {}): Promise<string | null> => {
    const problems = planProblems(plan);
    if (problems.length) {
      const why = `Not saved: ${problems.join("; ")}`;
      setError(why);
      return why;
    }
    try {
      const stored = await putLocalSettings(name, { faults: planToSave(plan), clock: "clock" in change ? change.clock ?? null : saved.clock });
      setSaved(stored);
      setPlan(stored.faults ?? { ...EMPTY_PLAN, seed: plan.seed });
      setError(null);
      return null;
    } catch (e) {
      const why = `Not saved: ${e instanceof ApiError ? e.detail : (e as Error).message}`;
      setError(why);
      return why;
    }
  }, [name, plan, saved.clock]);

  const rename = useCallback((from: string, to: string) => setPlan((p) => renamedInPlan(p, from, to)), []);
  const badges = useMemo(() => faultBadges(saved.faults), [saved.faults]);
  const dirty = JSON.stringify(planToSave(plan)) !== JSON.stringify(planToSave(saved.faults ?? EMPTY_PLAN));

  return { saved, plan, setPlan, save, rename, badges, dirty, error };
}

export type LocalTesting = ReturnType<typeof useLocalSettings>;
