// Live updates on an entity page: one graphql-ws subscription to the change feed for the
// record shown (`changes(entityId:)`); each event refetches the page and says who changed it.
// A socket that cannot connect changes nothing: the page keeps what it loaded.
import { createClient, type Client } from "graphql-ws";
import { useEffect, useRef, useState } from "react";

import { graphql } from "./gql";
import type { LiveRecordSubscription } from "./gql/graphql";

export const LiveRecordDocument = graphql(`
  subscription LiveRecord($entityId: ID, $after: String) {
    changes(entityId: $entityId, after: $after) {
      cursor
      action
      entityType
      entityId
      changedFields
      actor {
        name
      }
    }
  }
`);

let shared: { token: string; client: Client } | null = null;

/** One socket per signed-in key, opened with the first subscription and closed (lazily) a
 * moment after the last one ends. */
function clientFor(token: string): Client {
  if (shared?.token === token) return shared.client;
  shared?.client.dispose();
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  const client = createClient({
    url: `${scheme}://${window.location.host}/graphql`,
    connectionParams: { authToken: token },
    retryAttempts: 3,
  });
  shared = { token, client };
  return client;
}

/** Follows the record `entityId` while the page is mounted: calls `refetch` once per change and
 * returns the notice to show in a polite live region ("Updated by … just now"), or null. */
export function useLiveRecord(entityId: string, token: string, refetch: () => void): string | null {
  const [notice, setNotice] = useState<string | null>(null);
  const latest = useRef(refetch);
  latest.current = refetch;
  useEffect(() => {
    setNotice(null);
    let client: Client;
    try {
      client = clientFor(token);
    } catch {
      return undefined; // no WebSocket here: the page works without live updates
    }
    const unsubscribe = client.subscribe<LiveRecordSubscription>(
      { query: LiveRecordDocument.toString(), variables: { entityId } },
      {
        next: ({ data }) => {
          const change = data?.changes;
          if (!change) return;
          latest.current();
          setNotice(`Updated by ${change.actor?.name ?? "an import"} just now`);
        },
        // A refused or broken socket only means no live updates; the page stays as it is.
        error: () => undefined,
        complete: () => undefined,
      },
    );
    return unsubscribe;
  }, [entityId, token]);
  return notice;
}

/** The live region an entity page keeps in its header; empty until a change arrives. */
export function LiveNotice({ notice }: { notice: string | null }) {
  return (
    <p className="live-notice" role="status" aria-live="polite">
      {notice ?? ""}
    </p>
  );
}
