// Warm introduction: pick who is asking (you, one of your accounts, or anyone found by search)
// and who to reach; the shortest path is drawn hop by hop and listed (the "Introduction path").
import { useMemo, useState } from "react";

import { request } from "../api";
import { Card, Failure, Loading } from "../components";
import { entityPath, kindOfId, RELATIONSHIPS, type EntityKind } from "../entities";
import { graphql } from "../gql";
import type { IntroductionQuery } from "../gql/graphql";
import { Graph, Legend, type GraphEdge, type GraphNode } from "../Graph";
import { Link, navigate } from "../router";
import { hitDetail, hitTitle, SearchDocument, type Hit } from "../SearchBox";
import { useQuery } from "../useQuery";

// One request per view: the target, who you are (and your accounts) and, once "from" is
// chosen, the route.
const IntroductionDocument = graphql(`
  query Introduction($to: ID!, $from: ID!, $hasFrom: Boolean!, $maxHops: Int!) {
    target: node(id: $to) {
      __typename
      ... on Customer {
        id
        name
      }
      ... on Contact {
        id
        fullName
      }
      ... on Company {
        id
        name
      }
    }
    me {
      id
      name
      accounts(first: 10, orderBy: [{ field: TOTAL_SPENT, direction: DESC }]) {
        edges {
          node {
            id
            name
          }
        }
      }
    }
    introductionPath(fromId: $from, toId: $to, maxHops: $maxHops) @include(if: $hasFrom) {
      hops
      relationships {
        type
        direction
        strength
      }
      nodes {
        __typename
        id
        ... on Customer {
          name
        }
        ... on Contact {
          fullName
          currentCompany {
            name
          }
        }
        ... on Company {
          name
        }
        ... on User {
          name
        }
        ... on Interaction {
          kind
          subject
          occurredAt
        }
      }
    }
  }
`);

type PathNode = NonNullable<IntroductionQuery["introductionPath"]>["nodes"][number];

function nodeName(n: PathNode): string {
  switch (n.__typename) {
    case "Contact":
      return n.fullName;
    case "Customer":
    case "Company":
    case "User":
      return n.name;
    case "Interaction":
      return `${n.kind.toLowerCase().replace("_", " ")}${n.subject ? `: ${n.subject}` : ""}`;
    default:
      return n.__typename;
  }
}

/** What one hop means, read from the earlier node to the later one. */
type Hop = NonNullable<IntroductionQuery["introductionPath"]>["relationships"][number];

/** One hop in words, read from `a` (the node before it on the route) to the node after it. */
function hopText(hop: Hop): string {
  const forward = hop.direction === "FORWARD";
  switch (hop.type) {
    case "KNOWS":
      return hop.strength == null ? "knows" : `knows (strength ${hop.strength.toFixed(1)})`;
    case "REPORTS_TO":
      return forward ? "reports to" : "is the manager of";
    case "WORKS_AT":
      return forward ? "works at" : "employs";
    case "REFERRED":
      return forward ? "referred" : "was referred by";
    case "MANAGES":
      return forward ? "is the account manager of" : "is managed by";
    case "WITH":
      return forward ? "was attended by" : "took part in";
  }
}

function Picker({ label, onPick }: { label: string; onPick: (id: string) => void }) {
  const [text, setText] = useState("");
  const [hits, setHits] = useState<Hit[]>([]);
  const [busy, setBusy] = useState(false);
  const find = async () => {
    if (text.trim().length < 2) return;
    setBusy(true);
    try {
      setHits((await request(SearchDocument, { text: text.trim(), first: 6 })).search);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="picker">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void find();
        }}
      >
        <label htmlFor="intro-from">{label}</label>
        <input id="intro-from" value={text} onChange={(e) => setText(e.target.value)} placeholder="A name, e-mail or company" />
        <button type="submit" disabled={busy}>
          Find
        </button>
      </form>
      {hits.length > 0 && (
        <ul className="plain" aria-label="Matches">
          {hits.map((h) => (
            <li key={h.node.id}>
              <button type="button" onClick={() => onPick(h.node.id)}>
                Start from {hitTitle(h)}
              </button>{" "}
              <span className="muted">{hitDetail(h)}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function IntroductionView({ to, from }: { to: string | null; from: string | null }) {
  const [maxHops, setMaxHops] = useState(4);
  const answer = useQuery(
    IntroductionDocument,
    { to: to ?? "", from: from ?? "", hasFrom: Boolean(from), maxHops },
    { skip: !to },
  );
  const go = (nextFrom: string) =>
    navigate(`/introduce?to=${encodeURIComponent(to ?? "")}&from=${encodeURIComponent(nextFrom)}`);

  const drawing = useMemo(() => {
    const p = answer.data?.introductionPath;
    if (!p) return { nodes: [] as GraphNode[], edges: [] as GraphEdge[] };
    const nodes: GraphNode[] = p.nodes.map((n, i) => ({
      id: n.id,
      kind: (n.__typename === "Interaction" ? "Interaction" : (kindOfId(n.id) ?? "Contact")) as EntityKind,
      label: nodeName(n),
      classes: ["path", ...(i === 0 || i === p.nodes.length - 1 ? ["root"] : [])],
    }));
    const edges: GraphEdge[] = p.relationships.map((r, i) => {
      const [a, b] = [p.nodes[i]!, p.nodes[i + 1]!];
      // Laid out in walk order; the arrow points the way the stored relationship does (a
      // person works at a company, a user manages an account): the API says which way.
      return {
        id: `hop-${i}`,
        source: a.id,
        target: b.id,
        kind: r.type === "WITH" ? "INTERACTION" : r.type,
        classes: r.direction === "BACKWARD" ? ["path", "backwards"] : ["path"],
      };
    });
    return { nodes, edges };
  }, [answer.data]);

  if (!to)
    return (
      <section>
        <h1>Warm introduction</h1>
        <p>Open a person or account and choose “Find a warm introduction”, or search for them above.</p>
      </section>
    );
  if (answer.loading && !answer.data) return <Loading what="the introduction" />;
  if (answer.error && !answer.data) return <Failure error={answer.error} reload={answer.reload} />;
  const target = answer.data?.target;
  if (!target || !("id" in target))
    return (
      <section>
        <h1>Nobody to introduce</h1>
        <p>The person or account in this link does not exist.</p>
      </section>
    );
  const targetName = target.__typename === "Contact" ? target.fullName : target.name;
  const me = answer.data?.me;
  const result = answer.data?.introductionPath;
  return (
    <article className="entity">
      <header className="entity-head">
        <p className="eyebrow">Warm introduction</p>
        <h1>{targetName}</h1>
        <p className="actions">
          <Link to={entityPath(target.__typename, target.id)}>Open {target.__typename.toLowerCase()} page</Link>
        </p>
      </header>
      <div className="grid">
        <Card title="Who is asking?">
          {me && (
            <ul className="plain">
              <li>
                <button type="button" onClick={() => go(me.id)} aria-pressed={from === me.id}>
                  Me ({me.name})
                </button>
              </li>
              {me.accounts.edges.map((e) => (
                <li key={e.node.id}>
                  <button type="button" onClick={() => go(e.node.id)} aria-pressed={from === e.node.id}>
                    My account {e.node.name}
                  </button>
                </li>
              ))}
            </ul>
          )}
          <Picker label="Start from someone else" onPick={go} />
          <label htmlFor="max-hops">At most</label>{" "}
          <select id="max-hops" value={maxHops} onChange={(e) => setMaxHops(Number(e.target.value))}>
            {[2, 3, 4, 5, 6].map((n) => (
              <option key={n} value={n}>
                {n} hops
              </option>
            ))}
          </select>
        </Card>
        <Card title="Route" className="wide">
          {!from && <p className="muted">Choose who is asking to see the route.</p>}
          {from && answer.loading && <Loading what="the route" />}
          {from && answer.error && <Failure error={answer.error} reload={answer.reload} />}
          {from && !answer.loading && !answer.error && !result && (
            <p role="status">No route within {maxHops} hops. Try more hops or start from someone else.</p>
          )}
          {result && (
            <>
              <p role="status">
                {result.hops} {result.hops === 1 ? "hop" : "hops"} from {nodeName(result.nodes[0]!)} to {targetName}.
              </p>
              <ol role="list" aria-label="Introduction path" className="path">
                {result.relationships.map((r, i) => {
                  const a = result.nodes[i]!;
                  const b = result.nodes[i + 1]!;
                  return (
                    <li key={i}>
                      <strong>{nodeName(a)}</strong>{" "}
                      <span className={`hop hop-${r.type}`}>{hopText(r)}</span>{" "}
                      <strong>{nodeName(b)}</strong>
                      {b.__typename === "Contact" && b.currentCompany && (
                        <span className="muted"> ({b.currentCompany.name})</span>
                      )}
                    </li>
                  );
                })}
              </ol>
              <Graph nodes={drawing.nodes} edges={drawing.edges} layout="dagre" direction="LR" height={260} onActivate={(n) => navigate(entityPath(n.kind, n.id))} />
              <Legend
                kinds={Array.from(new Set(drawing.nodes.map((n) => n.kind)))}
                relationships={Array.from(new Set(drawing.edges.map((e) => e.kind))).filter((k) => k in RELATIONSHIPS)}
              />
            </>
          )}
        </Card>
      </div>
    </article>
  );
}
