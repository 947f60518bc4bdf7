import type { ReactNode } from "react";

import { ApiError } from "./api";

/** Whether the API withheld `field` (or a part of it, e.g. `address.line1`) from this viewer. */
export function isMasked(field: string, masked: readonly string[] | null | undefined): boolean {
  return masked?.some((m) => m === field || m.startsWith(`${field}.`)) ?? false;
}

interface AddressParts {
  line1?: string | null;
  postalCode?: string | null;
  city?: string | null;
  country?: string | null;
}

/** An address with its withheld parts said to be hidden (a city may show when the street may not). */
export function AddressValue({ address, masked }: { address: AddressParts | null | undefined; masked: readonly string[] }) {
  const hidden = (["line1", "postalCode"] as const).filter((part) => masked.includes(`address.${part}`));
  const parts = (["line1", "postalCode", "city", "country"] as const)
    .filter((part) => !masked.includes(`address.${part}`))
    .map((part) => address?.[part])
    .filter(Boolean);
  if (hidden.length === 0 && parts.length === 0) return <span className="muted">not recorded</span>;
  return (
    <>
      {parts.join(", ")}
      {hidden.length > 0 && (
        <>
          {parts.length > 0 && " · "}
          <span className="masked">
            {hidden.length === 2 ? "street and postcode" : hidden[0] === "line1" ? "street" : "postcode"} hidden for your
            role
          </span>
        </>
      )}
    </>
  );
}

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
  if (isMasked(field, masked)) return <span className="masked">hidden for your role</span>;
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

/** A refusal from a mutation's `errors`: `field` is its path in the input, e.g. ["input", "purpose"]. */
export interface Problem {
  field?: readonly string[] | null;
  code?: string;
  message: string;
}

/** The problem about input field `name`, if any. */
export function problemFor(problems: readonly Problem[], name: string): Problem | undefined {
  return problems.find((p) => p.field?.[p.field.length - 1] === name);
}

/** The problems that belong to none of `fields`: shown above the buttons, not beside a field. */
export function generalProblems(problems: readonly Problem[], fields: readonly string[]): Problem[] {
  return problems.filter((p) => !p.field || p.field.length < 2 || !fields.includes(p.field[p.field.length - 1] ?? ""));
}

/** A labelled input with its refusal beside it (aria-invalid, aria-describedby). */
export function TextField({
  id,
  label,
  value,
  onChange,
  error,
  type = "text",
  multiline = false,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
  type?: string;
  multiline?: boolean;
}) {
  const props = {
    id,
    value,
    "aria-invalid": error ? true : undefined,
    "aria-describedby": error ? `${id}-error` : undefined,
  };
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {multiline ? (
        <textarea {...props} rows={3} onChange={(e) => onChange(e.target.value)} />
      ) : (
        <input {...props} type={type} onChange={(e) => onChange(e.target.value)} />
      )}
      {error && (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      )}
    </div>
  );
}
