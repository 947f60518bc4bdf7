// The one way the app talks to Rapport: POST /graphql with the tab's token.
import type { TypedDocumentString } from "./gql/graphql";

const TOKEN_KEY = "rapport.token";

export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/** A GraphQL error (or an HTTP failure) with the API's own message and code. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
    readonly status: number,
  ) {
    super(message);
  }
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

const listeners = new Set<() => void>();

/** Called when the server refuses the token (401): the app goes back to the sign-in form. */
export function onUnauthorized(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export async function request<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
  token: string | null = getToken(),
): Promise<TResult> {
  return send(document.toString(), variables, token);
}

async function send<TResult>(query: string, variables: unknown, token: string | null): Promise<TResult> {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/graphql-response+json, application/json",
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  if (response.status === 401) {
    listeners.forEach((listener) => listener());
    let message = "The API key was not accepted.";
    try {
      const body = (await response.json()) as { error?: string };
      if (body.error) message = body.error;
    } catch {
      // keep the generic message
    }
    throw new ApiError(message, "UNAUTHENTICATED", 401);
  }
  let body: GraphQLResponse<TResult>;
  try {
    body = (await response.json()) as GraphQLResponse<TResult>;
  } catch {
    throw new ApiError(`The server answered ${response.status}.`, null, response.status);
  }
  const first = body.errors?.[0];
  if (first && !body.data) {
    throw new ApiError(first.message, first.extensions?.code ?? null, response.status);
  }
  if (!body.data) throw new ApiError(`The server answered ${response.status}.`, null, response.status);
  return body.data;
}

/** Fetches a file the API serves with this tab's token and hands it to the browser as a
 * download named `filename` (a link cannot carry the Authorization header itself). */
export async function download(path: string, filename: string, token: string | null = getToken()): Promise<void> {
  const response = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (response.status === 401) listeners.forEach((listener) => listener());
  if (!response.ok) {
    let message = `The server answered ${response.status}.`;
    let code: string | null = null;
    try {
      const body = (await response.json()) as { error?: string; code?: string };
      if (body.error) message = body.error;
      code = body.code ?? null;
    } catch {
      // keep the generic message
    }
    throw new ApiError(message, code, response.status);
  }
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
