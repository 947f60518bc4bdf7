import { useState } from "react";

import { download, request } from "../api";
import { Card, Failure, Loading } from "../components";
import { entityPath, money } from "../entities";
import { graphql } from "../gql";
import { Link } from "../router";
import { useQuery } from "../useQuery";

const AtRiskDocument = graphql(`
  query AtRisk($first: Int!) {
    atRiskCustomers(first: $first) {
      customer {
        id
        name
        externalId
        lastOrderAt
        totalSpent
        accountManager {
          name
        }
      }
      churnRisk {
        riskScore
        daysSinceLastOrder
        medianGapDays
        orderCount
      }
    }
  }
`);

export function AtRiskView() {
  const { data, error, loading, reload } = useQuery(AtRiskDocument, { first: 50 });
  return (
    <section>
      <h1>At-risk customers</h1>
      <p className="muted">
        Regular customers (3+ orders) whose silence is more than twice their usual gap between orders (and over 14 days).
      </p>
      {loading && <Loading what="at-risk customers" />}
      {error && <Failure error={error} reload={reload} />}
      {data && (
        <table>
          <thead>
            <tr>
              <th scope="col">Customer</th>
              <th scope="col" className="num">Risk score</th>
              <th scope="col" className="num">Days silent</th>
              <th scope="col" className="num">Median gap</th>
              <th scope="col" className="num">Orders</th>
              <th scope="col" className="num">Spent</th>
              <th scope="col">Account manager</th>
            </tr>
          </thead>
          <tbody>
            {data.atRiskCustomers.map(({ customer: c, churnRisk: r }) => (
              <tr key={c.id}>
                <td>
                  <Link to={entityPath("Customer", c.id)}>{c.name}</Link>
                </td>
                <td className="num">{(r.riskScore ?? 0).toFixed(1)}</td>
                <td className="num">{Math.round(r.daysSinceLastOrder ?? 0)}</td>
                <td className="num">{Math.round(r.medianGapDays ?? 0)}</td>
                <td className="num">{r.orderCount}</td>
                <td className="num">{money(c.totalSpent)}</td>
                <td>{c.accountManager?.name ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

const ReferrersDocument = graphql(`
  query TopReferrers($first: Int!, $by: ReferrerRanking!) {
    topReferrers(first: $first, by: $by) {
      size
      depth
      revenue
      referrer {
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
    }
  }
`);

export function ReferrersView({ by }: { by: "COUNT" | "REVENUE" }) {
  const { data, error, loading, reload } = useQuery(ReferrersDocument, { first: 25, by });
  return (
    <section>
      <h1>Top referrers</h1>
      <p className="actions">
        Rank by:{" "}
        <Link to="/lists/referrers?by=COUNT" aria-current={by === "COUNT" ? "page" : undefined}>
          customers brought in
        </Link>
        <Link to="/lists/referrers?by=REVENUE" aria-current={by === "REVENUE" ? "page" : undefined}>
          their revenue
        </Link>
      </p>
      {loading && <Loading what="referrers" />}
      {error && <Failure error={error} reload={reload} />}
      {data && (
        <table>
          <thead>
            <tr>
              <th scope="col">Referrer</th>
              <th scope="col" className="num">Customers downstream</th>
              <th scope="col" className="num">Levels</th>
              <th scope="col" className="num">Their revenue</th>
            </tr>
          </thead>
          <tbody>
            {data.topReferrers.map((t) => (
              <tr key={t.referrer.id}>
                <td>
                  <Link to={entityPath(t.referrer.__typename, t.referrer.id)}>
                    {t.referrer.__typename === "Contact" ? t.referrer.fullName : t.referrer.name}
                  </Link>{" "}
                  <span className="muted">{t.referrer.__typename.toLowerCase()}</span>
                </td>
                <td className="num">{t.size}</td>
                <td className="num">{t.depth}</td>
                <td className="num">{money(t.revenue)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

const RevenueDocument = graphql(`
  query RevenueConcentration($share: Float!, $first: Int!, $after: String) {
    revenueConcentration(share: $share) {
      customerCount
      customerShare
      revenueShare
      totalRevenue
      customers(first: $first, after: $after) {
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            id
            name
            totalSpent
          }
        }
      }
    }
  }
`);

function Pareto({ total, customers, cutoff }: { total: number; customers: { id: string; name: string; totalSpent: string }[]; cutoff: number }) {
  const width = 760;
  const height = 260;
  const pad = { l: 96, r: 40, t: 12, b: 28 };
  const max = Math.max(...customers.map((c) => Number(c.totalSpent)), 1);
  const bw = (width - pad.l - pad.r) / Math.max(customers.length, 1);
  let cumulative = 0;
  const points = customers.map((c, i) => {
    cumulative += Number(c.totalSpent);
    const x = pad.l + bw * (i + 0.5);
    const y = pad.t + (1 - cumulative / total) * (height - pad.t - pad.b);
    return `${x.toFixed(1)},${y.toFixed(1)}`;
  });
  const y80 = pad.t + 0.2 * (height - pad.t - pad.b);
  return (
    <svg viewBox={`0 0 ${width} ${height}`} className="pareto" role="img" aria-label={`Pareto chart of the ${customers.length} biggest customers: bars are each one's revenue, the line the running share of all revenue`}>
      {customers.map((c, i) => {
        const h = (Number(c.totalSpent) / max) * (height - pad.t - pad.b);
        return (
          <rect
            key={c.id}
            x={pad.l + bw * i + 1}
            y={height - pad.b - h}
            width={Math.max(bw - 2, 1)}
            height={h}
            className={i < cutoff ? "bar bar-core" : "bar"}
          >
            <title>{`${c.name}: ${money(c.totalSpent)}`}</title>
          </rect>
        );
      })}
      <polyline points={points.join(" ")} className="cumulative" />
      <line x1={pad.l} x2={width - pad.r} y1={y80} y2={y80} className="threshold" />
      <text x={width - pad.r + 4} y={y80 + 4} className="axis">80%</text>
      <text x={pad.l - 6} y={pad.t + 8} className="axis" textAnchor="end">{money(String(max))}</text>
      <text x={pad.l} y={height - 8} className="axis">biggest customer first →</text>
    </svg>
  );
}

type RevenueCustomer = { id: string; name: string; totalSpent: string };

/** Pages of the set after the first, fetched on demand; reset when the first page reloads. */
interface MorePages {
  customers: RevenueCustomer[];
  cursor: string | null;
  hasMore: boolean;
  loading: boolean;
  error: Error | null;
}

const REVENUE_PAGE = 60;

export function RevenueView() {
  const { data, error, loading, reload } = useQuery(RevenueDocument, { share: 0.8, first: REVENUE_PAGE });
  const r = data?.revenueConcentration;
  const first = r?.customers.edges.map((e) => e.node) ?? [];
  const [more, setMore] = useState<MorePages | null>(null);
  const [seen, setSeen] = useState(data);
  if (seen !== data) {
    // a reload of the first page starts the list again (the set may have changed)
    setSeen(data);
    setMore(null);
  }
  const cursor = more ? more.cursor : (r?.customers.pageInfo.endCursor ?? null);
  const hasMore = more ? more.hasMore : (r?.customers.pageInfo.hasNextPage ?? false);
  const customers = more ? [...first, ...more.customers] : first;
  const showMore = () => {
    const base = more ?? { customers: [], cursor, hasMore, loading: false, error: null };
    setMore({ ...base, loading: true, error: null });
    request(RevenueDocument, { share: 0.8, first: REVENUE_PAGE, after: cursor }).then(
      (page) => {
        const next = page.revenueConcentration.customers;
        setMore({
          customers: [...base.customers, ...next.edges.map((e) => e.node)],
          cursor: next.pageInfo.endCursor ?? null,
          hasMore: next.pageInfo.hasNextPage,
          loading: false,
          error: null,
        });
      },
      (failure: unknown) =>
        setMore({ ...base, loading: false, error: failure instanceof Error ? failure : new Error(String(failure)) }),
    );
  };
  return (
    <section>
      <h1>Revenue concentration</h1>
      {loading && <Loading what="revenue concentration" />}
      {error && <Failure error={error} reload={reload} />}
      {r && (
        <>
          <p className="lead">
            <strong>{r.customerCount}</strong> customers ({(r.customerShare * 100).toFixed(1)}% of them) bring{" "}
            <strong>{(r.revenueShare * 100).toFixed(1)}%</strong> of all revenue ({money(r.totalRevenue)}).
          </p>
          <Pareto total={Number(r.totalRevenue)} customers={first} cutoff={r.customerCount} />
          <Card title={customers.length < r.customerCount ? `Biggest ${customers.length} of the ${r.customerCount} customers` : `Biggest customers, all ${r.customerCount}`}>
            <ol className="columns">
              {customers.map((c) => (
                <li key={c.id}>
                  <Link to={entityPath("Customer", c.id)}>{c.name}</Link> <span className="muted">{money(c.totalSpent)}</span>
                </li>
              ))}
            </ol>
            {more?.error && <Failure error={more.error} reload={showMore} />}
            {hasMore && !more?.error && (
              <button type="button" disabled={more?.loading ?? false} onClick={showMore}>
                {more?.loading ? "Loading…" : `Show the next ${REVENUE_PAGE}`}
              </button>
            )}
          </Card>
        </>
      )}
    </section>
  );
}

const SegmentsDocument = graphql(`
  query Segments {
    segments(first: 100) {
      edges {
        node {
          id
          name
          description
          customers {
            totalCount
          }
        }
      }
    }
  }
`);

function slug(name: string): string {
  return (
    name
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "segment"
  );
}

function ExportButtons({ id, name }: { id: string; name: string }) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async (format: "csv" | "xlsx") => {
    setBusy(format);
    setError(null);
    try {
      await download(`/export/segments/${encodeURIComponent(id)}?format=${format}`, `${slug(name)}.${format}`);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(null);
    }
  };
  return (
    <span className="buttons">
      {(["csv", "xlsx"] as const).map((format) => (
        <button
          key={format}
          type="button"
          disabled={busy !== null}
          aria-label={`Export ${name} as ${format.toUpperCase()}`}
          onClick={() => void run(format)}
        >
          {busy === format ? "Exporting…" : format.toUpperCase()}
        </button>
      ))}
      {error && (
        <span role="alert" className="error">
          {error}
        </span>
      )}
    </span>
  );
}

export function SegmentsView() {
  const { data, error, loading, reload } = useQuery(SegmentsDocument, {});
  return (
    <section>
      <h1>Segments</h1>
      <p className="muted">
        Members are counted now, from each segment&apos;s filter and consent rule; an export holds the same members, with
        the personal values your role may see.
      </p>
      {loading && <Loading what="segments" />}
      {error && <Failure error={error} reload={reload} />}
      {data && data.segments.edges.length === 0 && <p className="muted">No saved segment yet.</p>}
      {data && data.segments.edges.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Segment</th>
              <th scope="col">Description</th>
              <th scope="col" className="num">Members</th>
              <th scope="col">Export</th>
            </tr>
          </thead>
          <tbody>
            {data.segments.edges.map(({ node: s }) => (
              <tr key={s.id}>
                <td>{s.name}</td>
                <td>{s.description ?? "—"}</td>
                <td className="num">{s.customers.totalCount}</td>
                <td>
                  <ExportButtons id={s.id} name={s.name} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
