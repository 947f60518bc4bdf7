import { Failure, Loading } from "../components";
import { entityPath } from "../entities";
import { Link } from "../router";
import { hitDetail, hitTitle, SearchDocument } from "../SearchBox";
import { useQuery } from "../useQuery";

export function SearchView({ text }: { text: string }) {
  const { data, error, loading, reload } = useQuery(SearchDocument, { text, first: 25 }, { skip: text.trim().length < 2 });
  return (
    <section>
      <h1>Search: {text}</h1>
      {loading && <Loading what="matches" />}
      {error && <Failure error={error} reload={reload} />}
      {data && data.search.length === 0 && <p>Nothing matches “{text}”.</p>}
      {data && (
        <ul className="plain">
          {data.search.map((h) => (
            <li key={h.node.id}>
              <span className={`kind kind-${h.node.__typename}`}>{h.node.__typename}</span>{" "}
              <Link to={entityPath(h.node.__typename, h.node.id)}>{hitTitle(h)}</Link> <span className="muted">{hitDetail(h)}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
