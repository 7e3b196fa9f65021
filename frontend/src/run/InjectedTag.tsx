// Marks a failure that a fault plan injected (its cause starts "Injected fault"), wherever it shows.
import { isInjectedFault } from "../live/wire";

export default function InjectedTag({ cause }: { cause: unknown }) {
  if (!isInjectedFault(cause)) return null;
  return <span className="injected-tag" title="Injected by the state machine's fault plan (local testing)">injected fault</span>;
}
