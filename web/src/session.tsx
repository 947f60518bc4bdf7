// Who is signed in: the API key (sessionStorage, this tab only) and the `me` answer.
import { createContext, useContext } from "react";

import type { UserRole } from "./gql/graphql";

export interface Viewer {
  id: string;
  name: string;
  email: string;
  role: UserRole;
}

export interface Session {
  token: string;
  viewer: Viewer | null;
  signOut: () => void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside a signed-in view");
  return session;
}
