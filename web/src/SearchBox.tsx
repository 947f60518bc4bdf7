// One box for customers, contacts and companies: arrows move, Enter opens (the best match when
// nothing is highlighted), Escape closes. The input keeps role "searchbox" (a fixed test hook).
import { useEffect, useId, useRef, useState, type KeyboardEvent } from "react";

import { request } from "./api";
import { entityPath } from "./entities";
import { graphql } from "./gql";
import type { SearchQuery } from "./gql/graphql";
import { navigate } from "./router";

export const SearchDocument = graphql(`
  query Search($text: String!, $first: Int!) {
    search(text: $text, first: $first) {
      score
      node {
        __typename
        ... on Customer {
          id
          name
          externalId
          kind
          lifecycleStage
        }
        ... on Contact {
          id
          fullName
          currentCompany {
            id
            name
          }
        }
        ... on Company {
          id
          name
          domain
          industry
        }
      }
    }
  }
`);

export type Hit = SearchQuery["search"][number];

export function hitTitle(hit: Hit): string {
  const node = hit.node;
  return node.__typename === "Contact" ? node.fullName : node.name;
}

export function hitDetail(hit: Hit): string {
  const node = hit.node;
  switch (node.__typename) {
    case "Contact":
      return node.currentCompany ? `Contact at ${node.currentCompany.name}` : "Contact";
    case "Customer":
      return `Customer ${node.externalId} · ${node.kind.toLowerCase()}`;
    case "Company":
      return [node.domain, node.industry].filter(Boolean).join(" · ") || "Company";
  }
}

export function SearchBox() {
  const [text, setText] = useState("");
  const [hits, setHits] = useState<Hit[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [error, setError] = useState<string | null>(null);
  const listId = useId();
  const latest = useRef(0);

  useEffect(() => {
    const query = text.trim();
    if (query.length < 2) {
      setHits([]);
      return;
    }
    const ticket = ++latest.current;
    const timer = window.setTimeout(() => {
      request(SearchDocument, { text: query, first: 8 }).then(
        (data) => {
          if (ticket !== latest.current) return;
          setHits(data.search);
          setActive(-1);
          setError(null);
          setOpen(true);
        },
        (e: unknown) => ticket === latest.current && setError(e instanceof Error ? e.message : String(e)),
      );
    }, 150);
    return () => window.clearTimeout(timer);
  }, [text]);

  const openHit = (hit: Hit | undefined) => {
    if (!hit) return;
    setOpen(false);
    setText("");
    setHits([]);
    navigate(entityPath(hit.node.__typename, hit.node.id));
  };

  const onKeyDown = async (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      setOpen(true);
      setActive((a) => Math.min(a + 1, hits.length - 1));
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      setActive((a) => Math.max(a - 1, -1));
    } else if (event.key === "Escape") {
      setOpen(false);
      setActive(-1);
    } else if (event.key === "Enter") {
      event.preventDefault();
      const query = text.trim();
      if (!query) return;
      if (active >= 0) {
        openHit(hits[active]);
        return;
      }
      // Enter before the debounced answer arrived: ask now, then open the best match.
      latest.current++;
      try {
        const data = await request(SearchDocument, { text: query, first: 8 });
        if (data.search.length > 0) openHit(data.search[0]);
        else navigate(`/search?q=${encodeURIComponent(query)}`);
      } catch (e) {
        setError(e instanceof Error ? e.message : String(e));
      }
    }
  };

  const expanded = open && text.trim().length >= 2;
  return (
    <div className="search">
      <input
        type="search"
        aria-label="Search"
        placeholder="Search customers, contacts, companies…"
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
        }}
        onKeyDown={onKeyDown}
        onBlur={() => window.setTimeout(() => setOpen(false), 150)}
        onFocus={() => setOpen(true)}
        aria-controls={listId}
        aria-activedescendant={expanded && active >= 0 ? `${listId}-${active}` : undefined}
        aria-autocomplete="list"
      />
      {error && (
        <p role="alert" className="error search-error">
          {error}
        </p>
      )}
      <ul id={listId} role="listbox" aria-label="Search results" className="search-results" hidden={!expanded}>
        {expanded && hits.length === 0 && <li className="muted">No match yet…</li>}
        {hits.map((hit, i) => (
          <li
            key={hit.node.id}
            id={`${listId}-${i}`}
            role="option"
            aria-selected={i === active}
            className={i === active ? "active" : undefined}
            onMouseDown={(e) => {
              e.preventDefault();
              openHit(hit);
            }}
          >
            <span className={`kind kind-${hit.node.__typename}`}>{hit.node.__typename}</span>
            <span className="hit-title">{hitTitle(hit)}</span>
            <span className="hit-detail">{hitDetail(hit)}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
