import type { ReactNode } from "react";

import { ApiError } from "./api";

/** A personal value: "hidden for your role" when the API withheld it, never a fake blank. */
export function Value({
  field,
  masked,
  children,
}: {
  field: string;
  masked: readonly string[] | null | undefined;
  children: ReactNode;
}) {
  if (masked?.includes(field)) return <span className="masked">hidden for your role</span>;
  if (children === null || children === undefined || children === "")
    return <span className="muted">not recorded</span>;
  return <>{children}</>;
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status">
      Loading {what}…
    </p>
  );
}

export function Failure({ error, reload }: { error: Error; reload?: () => void }) {
  const code = error instanceof ApiError && error.code ? ` (${error.code})` : "";
  return (
    <div role="alert" className="error box">
      <p>
        {error.message}
        {code}
      </p>
      {reload && (
        <button type="button" onClick={reload}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Card({ title, children, className }: { title: string; children: ReactNode; className?: string }) {
  const id = `card-${title.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
  return (
    <section className={`card ${className ?? ""}`} aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

export function Facts({ rows }: { rows: [string, ReactNode][] }) {
  return (
    <dl className="facts">
      {rows.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
