// The neighbourhood of any record, drawn with fcose. Selecting a node expands its neighbours a
// page at a time (never the whole graph); relationship kinds can be hidden; a legend explains.
import type { Core } from "cytoscape";
import { useCallback, useEffect, useRef, useState } from "react";

import { request } from "../api";
import { Failure, Loading } from "../components";
import { entityPath, RELATIONSHIPS, type EntityKind } from "../entities";
import { graphql } from "../gql";
import type { NeighboursQuery } from "../gql/graphql";
import { Graph, Legend, type GraphEdge, type GraphNode } from "../Graph";
import { Link, navigate } from "../router";

const PAGE = 8;

export const NeighboursDocument = graphql(`
  query Neighbours($id: ID!, $first: Int!, $after: String) {
    node(id: $id) {
      __typename
      ... on Customer {
        id
        name
        company {
          id
          name
        }
        accountManager {
          id
          name
        }
        referralChain {
          __typename
          ... on Customer {
            id
            name
          }
          ... on Contact {
            id
            fullName
          }
        }
        referrals(depth: 1, first: 50) {
          edges {
            node {
              referred {
                id
                name
              }
            }
          }
        }
      }
      ... on Contact {
        id
        fullName
        employments(first: 5) {
          edges {
            endedOn
            node {
              id
              name
            }
          }
        }
        reportsTo {
          id
          fullName
        }
        directReports(first: 20) {
          edges {
            node {
              id
              fullName
            }
          }
        }
        knows(first: $first, after: $after) {
          totalCount
          pageInfo {
            hasNextPage
            endCursor
          }
          edges {
            node {
              id
              fullName
            }
          }
        }
      }
      ... on Company {
        id
        name
        customer {
          id
          name
        }
        contacts(first: $first, after: $after) {
          totalCount
          pageInfo {
            hasNextPage
            endCursor
          }
          edges {
            node {
              id
              fullName
            }
          }
        }
      }
      ... on User {
        id
        name
        accounts(first: $first, after: $after) {
          totalCount
          pageInfo {
            hasNextPage
            endCursor
          }
          edges {
            node {
              id
              name
            }
          }
        }
      }
    }
  }
`);

type Node = NonNullable<NeighboursQuery["node"]>;

interface Paging {
  cursor: string | null;
  hasMore: boolean;
  total: number;
}

interface Found {
  root: GraphNode | null;
  nodes: GraphNode[];
  edges: GraphEdge[];
  paging: Paging | null;
}

function edge(source: string, target: string, kind: string): GraphEdge {
  return { id: `${source}-${kind}-${target}`, source, target, kind };
}

/** The neighbours one answer names, as nodes and edges. */
function neighbours(node: Node): Found {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const add = (id: string, kind: EntityKind, label: string) => nodes.push({ id, kind, label });
  switch (node.__typename) {
    case "Customer": {
      if (node.company) {
        add(node.company.id, "Company", node.company.name);
        edges.push(edge(node.id, node.company.id, "ACCOUNT_OF"));
      }
      if (node.accountManager) {
        add(node.accountManager.id, "User", node.accountManager.name);
        edges.push(edge(node.accountManager.id, node.id, "MANAGES"));
      }
      const referrer = node.referralChain[0];
      if (referrer) {
        add(referrer.id, referrer.__typename, referrer.__typename === "Contact" ? referrer.fullName : referrer.name);
        edges.push(edge(referrer.id, node.id, "REFERRED"));
      }
      for (const { node: r } of node.referrals.edges) {
        add(r.referred.id, "Customer", r.referred.name);
        edges.push(edge(node.id, r.referred.id, "REFERRED"));
      }
      return { root: { id: node.id, kind: "Customer", label: node.name }, nodes, edges, paging: null };
    }
    case "Contact": {
      for (const e of node.employments.edges) {
        if (e.endedOn) continue;
        add(e.node.id, "Company", e.node.name);
        edges.push(edge(node.id, e.node.id, "WORKS_AT"));
      }
      if (node.reportsTo) {
        add(node.reportsTo.id, "Contact", node.reportsTo.fullName);
        edges.push(edge(node.id, node.reportsTo.id, "REPORTS_TO"));
      }
      for (const e of node.directReports.edges) {
        add(e.node.id, "Contact", e.node.fullName);
        edges.push(edge(e.node.id, node.id, "REPORTS_TO"));
      }
      for (const e of node.knows.edges) {
        add(e.node.id, "Contact", e.node.fullName);
        const [a, b] = [node.id, e.node.id].sort();
        edges.push(edge(a!, b!, "KNOWS"));
      }
      const { pageInfo, totalCount } = node.knows;
      return {
        root: { id: node.id, kind: "Contact", label: node.fullName },
        nodes,
        edges,
        paging: { cursor: pageInfo.endCursor ?? null, hasMore: pageInfo.hasNextPage, total: totalCount },
      };
    }
    case "Company": {
      if (node.customer) {
        add(node.customer.id, "Customer", node.customer.name);
        edges.push(edge(node.customer.id, node.id, "ACCOUNT_OF"));
      }
      for (const e of node.contacts.edges) {
        add(e.node.id, "Contact", e.node.fullName);
        edges.push(edge(e.node.id, node.id, "WORKS_AT"));
      }
      const { pageInfo, totalCount } = node.contacts;
      return {
        root: { id: node.id, kind: "Company", label: node.name },
        nodes,
        edges,
        paging: { cursor: pageInfo.endCursor ?? null, hasMore: pageInfo.hasNextPage, total: totalCount },
      };
    }
    case "User": {
      for (const e of node.accounts.edges) {
        add(e.node.id, "Customer", e.node.name);
        edges.push(edge(node.id, e.node.id, "MANAGES"));
      }
      const { pageInfo, totalCount } = node.accounts;
      return {
        root: { id: node.id, kind: "User", label: node.name },
        nodes,
        edges,
        paging: { cursor: pageInfo.endCursor ?? null, hasMore: pageInfo.hasNextPage, total: totalCount },
      };
    }
    default:
      return { root: null, nodes, edges, paging: null };
  }
}

function merge<T extends { id: string }>(current: T[], more: T[]): T[] {
  const seen = new Set(current.map((x) => x.id));
  return [...current, ...more.filter((x) => !seen.has(x.id) && (seen.add(x.id), true))];
}

export function GraphView({ id }: { id: string }) {
  const [nodes, setNodes] = useState<GraphNode[]>([]);
  const [edges, setEdges] = useState<GraphEdge[]>([]);
  const [paging, setPaging] = useState<Record<string, Paging>>({});
  const [hidden, setHidden] = useState<Set<string>>(new Set());
  const [error, setError] = useState<Error | null>(null);
  const [status, setStatus] = useState("");
  const [selected, setSelected] = useState<string | null>(null);
  const cy = useRef<Core | null>(null);

  const expand = useCallback(
    async (nodeId: string, fresh = false) => {
      const page = fresh ? undefined : paging[nodeId];
      if (page && !page.hasMore) {
        setStatus("Every neighbour of this node is drawn.");
        return;
      }
      try {
        const data = await request(NeighboursDocument, { id: nodeId, first: PAGE, after: page?.cursor ?? null });
        if (!data.node) throw new Error("That record does not exist (any more).");
        const found = neighbours(data.node);
        setNodes((current) => {
          const base = fresh ? [] : current;
          const withRoot = found.root ? merge(base, [{ ...found.root, classes: fresh ? ["root"] : base.find((n) => n.id === found.root!.id)?.classes ?? [] }]) : base;
          return merge(withRoot, found.nodes);
        });
        setEdges((current) => merge(fresh ? [] : current, found.edges));
        if (found.paging) {
          const p = found.paging;
          setPaging((current) => ({ ...(fresh ? {} : current), [nodeId]: p }));
        } else {
          setPaging((current) => ({ ...(fresh ? {} : current), [nodeId]: { cursor: null, hasMore: false, total: 0 } }));
        }
        setStatus(
          `${found.root?.label ?? "Node"}: ${found.nodes.length} neighbours drawn${
            found.paging?.hasMore ? `; select it again for the next ${PAGE}` : ""
          }.`,
        );
        setError(null);
      } catch (e) {
        setError(e instanceof Error ? e : new Error(String(e)));
      }
    },
    [paging],
  );

  useEffect(() => {
    setNodes([]);
    setEdges([]);
    void expand(id, true);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id]);

  const root = nodes.find((n) => n.id === id);
  const kinds = Array.from(new Set(edges.map((e) => e.kind)));
  const selectedNode = nodes.find((n) => n.id === selected);

  if (error && nodes.length === 0) return <Failure error={error} />;
  return (
    <article className="entity">
      <header className="entity-head">
        <p className="eyebrow">Relationship graph</p>
        <h1>{root ? root.label : "…"}</h1>
        <p className="actions">
          {root && <Link to={entityPath(root.kind, root.id)}>Open {root.kind.toLowerCase()} page</Link>}
          {root && <Link to={`/introduce?to=${encodeURIComponent(root.id)}`}>Find a warm introduction</Link>}
        </p>
      </header>
      {nodes.length === 0 && <Loading what="the neighbourhood" />}
      <div className="graph-layout">
        <div>
          <div className="toolbar" role="toolbar" aria-label="Graph controls">
            <button type="button" onClick={() => cy.current?.fit(undefined, 30)}>
              Fit
            </button>
            <button type="button" onClick={() => cy.current?.zoom(cy.current.zoom() * 1.25)}>
              Zoom in
            </button>
            <button type="button" onClick={() => cy.current?.zoom(cy.current.zoom() / 1.25)}>
              Zoom out
            </button>
            <fieldset className="filters">
              <legend>Show relationships</legend>
              {kinds.map((k) => (
                <label key={k}>
                  <input
                    type="checkbox"
                    checked={!hidden.has(k)}
                    onChange={() =>
                      setHidden((h) => {
                        const next = new Set(h);
                        if (next.has(k)) next.delete(k);
                        else next.add(k);
                        return next;
                      })
                    }
                  />{" "}
                  {RELATIONSHIPS[k]?.label ?? k}
                </label>
              ))}
            </fieldset>
          </div>
          <Graph
            nodes={nodes}
            edges={edges}
            layout="fcose"
            hiddenKinds={hidden}
            onReady={(c) => (cy.current = c)}
            onActivate={(n) => {
              setSelected(n.id);
              void expand(n.id);
            }}
          />
          <p role="status" className="muted">
            {status}
          </p>
          <Legend kinds={Array.from(new Set(nodes.map((n) => n.kind)))} relationships={kinds} />
        </div>
        <aside className="card" aria-label="Drawn nodes">
          <h2>Drawn nodes ({nodes.length})</h2>
          {selectedNode && (
            <p>
              Selected: <Link to={entityPath(selectedNode.kind, selectedNode.id)}>{selectedNode.label}</Link>
            </p>
          )}
          <ul className="node-list">
            {nodes.map((n) => (
              <li key={n.id}>
                <span className={`kind kind-${n.kind}`}>{n.kind}</span> {n.label}{" "}
                <button type="button" onClick={() => { setSelected(n.id); void expand(n.id); }} aria-label={`Expand ${n.label}`}>
                  Expand
                </button>{" "}
                <button
                  type="button"
                  aria-label={`Pin ${n.label}`}
                  aria-pressed={cy.current?.getElementById(n.id).locked() ?? false}
                  onClick={() => {
                    const el = cy.current?.getElementById(n.id);
                    if (!el || el.empty()) return;
                    if (el.locked()) el.unlock().removeClass("locked");
                    else el.lock().addClass("locked");
                    setStatus(`${n.label} ${el.locked() ? "pinned" : "unpinned"}.`);
                  }}
                >
                  Pin
                </button>{" "}
                <button type="button" onClick={() => navigate(entityPath(n.kind, n.id))} aria-label={`Open ${n.label}`}>
                  Open
                </button>
              </li>
            ))}
          </ul>
        </aside>
      </div>
    </article>
  );
}
