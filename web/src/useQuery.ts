import { useCallback, useEffect, useState } from "react";

import { request } from "./api";
import type { TypedDocumentString } from "./gql/graphql";

export interface QueryState<T> {
  data: T | null;
  error: Error | null;
  loading: boolean;
  reload: () => void;
}

/** Runs one GraphQL request when the variables change (compared by value). */
export function useQuery<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
  options: { skip?: boolean } = {},
): QueryState<TResult> {
  const key = JSON.stringify(variables);
  const [state, setState] = useState<{ data: TResult | null; error: Error | null; loading: boolean }>(
    { data: null, error: null, loading: !options.skip },
  );
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  useEffect(() => {
    if (options.skip) {
      setState({ data: null, error: null, loading: false });
      return;
    }
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    request(document, JSON.parse(key) as TVariables).then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error: unknown) =>
        live &&
        setState({
          data: null,
          error: error instanceof Error ? error : new Error(String(error)),
          loading: false,
        }),
    );
    return () => {
      live = false;
    };
  }, [document, key, generation, options.skip]);
  return { ...state, reload };
}
