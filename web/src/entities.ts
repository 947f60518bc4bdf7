// How each kind of record is named, linked and drawn.
export type EntityKind = "Customer" | "Contact" | "Company" | "User" | "Interaction";

export const KIND_PATH: Record<EntityKind, string> = {
  Customer: "customers",
  Contact: "contacts",
  Company: "companies",
  User: "graph",
  Interaction: "interactions",
};

export function entityPath(kind: string, id: string): string {
  const segment = KIND_PATH[kind as EntityKind] ?? "nodes";
  return `/${segment}/${encodeURIComponent(id)}`;
}

/** The kind encoded in a Relay global id (base64 of "Kind:uuid"), or null. */
export function kindOfId(id: string): EntityKind | null {
  try {
    const padded = id.replace(/-/g, "+").replace(/_/g, "/");
    const decoded = atob(padded + "=".repeat((4 - (padded.length % 4)) % 4));
    const kind = decoded.split(":")[0];
    return kind && kind in KIND_PATH ? (kind as EntityKind) : null;
  } catch {
    return null;
  }
}

export function money(value: string | null | undefined, currency = "EUR"): string {
  if (value === null || value === undefined) return "—";
  const n = Number(value);
  if (!Number.isFinite(n)) return value;
  return new Intl.NumberFormat("en-GB", { style: "currency", currency }).format(n);
}

export function date(value: string | null | undefined): string {
  if (!value) return "—";
  const d = new Date(value);
  return Number.isNaN(d.getTime())
    ? value
    : d.toLocaleDateString("en-GB", { year: "numeric", month: "short", day: "numeric" });
}

export function dateTime(value: string | null | undefined): string {
  if (!value) return "—";
  const d = new Date(value);
  return Number.isNaN(d.getTime())
    ? value
    : d.toLocaleString("en-GB", { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

export function humanize(value: string | null | undefined): string {
  if (!value) return "—";
  return value.charAt(0) + value.slice(1).toLowerCase().replace(/_/g, " ");
}

/** Relationship kinds drawn in graphs, with their colours (legend and edges agree). */
export const RELATIONSHIPS: Record<string, { label: string; color: string }> = {
  KNOWS: { label: "knows", color: "#2b6cb0" },
  REPORTS_TO: { label: "reports to", color: "#6b46c1" },
  WORKS_AT: { label: "works at", color: "#2f855a" },
  ACCOUNT_OF: { label: "account of", color: "#b7791f" },
  MANAGES: { label: "manages", color: "#c53030" },
  REFERRED: { label: "referred", color: "#d53f8c" },
  INTERACTION: { label: "interaction", color: "#4a5568" },
};

export const NODE_STYLE: Record<EntityKind, { color: string; shape: string; label: string }> = {
  Customer: { color: "#dd6b20", shape: "round-rectangle", label: "Customer" },
  Contact: { color: "#3182ce", shape: "ellipse", label: "Contact" },
  Company: { color: "#38a169", shape: "hexagon", label: "Company" },
  User: { color: "#c53030", shape: "diamond", label: "User (account manager)" },
  Interaction: { color: "#718096", shape: "tag", label: "Interaction" },
};
