import { useCallback, useEffect, useState, type FormEvent } from "react";

import { ApiError, getToken, onUnauthorized, request, setToken } from "./api";
import { graphql } from "./gql";
import { appPath, Link, navigate, useLocation } from "./router";
import { SearchBox } from "./SearchBox";
import { SessionContext, type Session, type Viewer } from "./session";
import { CompanyView } from "./views/CompanyView";
import { ContactView } from "./views/ContactView";
import { CustomerView } from "./views/CustomerView";
import { DuplicatesView, MergeView } from "./views/DuplicatesView";
import { GraphView } from "./views/GraphView";
import { HomeView } from "./views/HomeView";
import { IntroductionView } from "./views/IntroductionView";
import { AtRiskView, ReferrersView, RevenueView, SegmentsView } from "./views/ListViews";
import { SearchView } from "./views/SearchView";

const MeQuery = graphql(`
  query Me {
    me {
      id
      name
      email
      role
    }
  }
`);

async function whoAmI(token: string): Promise<Viewer | null> {
  const data = await request(MeQuery, {}, token);
  return data.me ?? null;
}

function SignIn({ onSignedIn }: { onSignedIn: (token: string, viewer: Viewer | null) => void }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    // Accept what `rapport auth bootstrap` prints too: a header line or {"Authorization": "Bearer …"}.
    const token = (/bearer\s+([^\s"']+)/i.exec(key)?.[1] ?? key).trim();
    if (!token) {
      setError("Enter your API key.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onSignedIn(token, await whoAmI(token));
    } catch (e) {
      setError(
        e instanceof ApiError && e.status === 401
          ? "That API key was not accepted. Check it and try again."
          : `Could not sign in: ${e instanceof Error ? e.message : String(e)}`,
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="signin">
      <h1>Rapport explorer</h1>
      <p>
        Sign in with your Rapport API key (or a JWT from your identity provider). It is kept for this
        browser tab only and forgotten when you sign out or close the tab.
      </p>
      <form onSubmit={submit} aria-describedby={error ? "signin-error" : undefined}>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          aria-invalid={error ? true : undefined}
          autoFocus
        />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        {error && (
          <p id="signin-error" role="alert" className="error">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}

const NAV: [string, string][] = [
  ["/", "My accounts"],
  ["/lists/at-risk", "At risk"],
  ["/lists/referrers", "Top referrers"],
  ["/lists/revenue", "Revenue concentration"],
  ["/lists/segments", "Segments"],
];

// duplicateCandidates and the merges are for ADMIN and MANAGER only
const DUPLICATES: [string, string] = ["/lists/duplicates", "Duplicates"];

function Routes({ url }: { url: URL }) {
  const path = appPath(url);
  const match = (pattern: RegExp) => pattern.exec(path);
  let m: RegExpExecArray | null;
  if ((m = match(/^\/customers\/([^/]+)$/))) return <CustomerView id={decodeURIComponent(m[1]!)} />;
  if ((m = match(/^\/contacts\/([^/]+)$/))) return <ContactView id={decodeURIComponent(m[1]!)} />;
  if ((m = match(/^\/companies\/([^/]+)$/)))
    return <CompanyView id={decodeURIComponent(m[1]!)} former={url.searchParams.get("former") === "1"} />;
  if ((m = match(/^\/graph\/([^/]+)$/))) return <GraphView id={decodeURIComponent(m[1]!)} />;
  if (path === "/introduce")
    return <IntroductionView to={url.searchParams.get("to")} from={url.searchParams.get("from")} />;
  if (path === "/search") return <SearchView text={url.searchParams.get("q") ?? ""} />;
  if (path === "/lists/at-risk") return <AtRiskView />;
  if (path === "/lists/referrers")
    return <ReferrersView by={url.searchParams.get("by") === "REVENUE" ? "REVENUE" : "COUNT"} />;
  if (path === "/lists/revenue") return <RevenueView />;
  if (path === "/lists/segments") return <SegmentsView />;
  if (path === "/lists/duplicates") {
    const kind = url.searchParams.get("kind");
    return <DuplicatesView kind={kind === "CUSTOMER" || kind === "CONTACT" ? kind : null} />;
  }
  if (path === "/duplicates/merge") return <MergeView a={url.searchParams.get("a")} b={url.searchParams.get("b")} />;
  if (path === "/") return <HomeView />;
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is no page at this address. <Link to="/">Go to my accounts</Link>.
      </p>
    </section>
  );
}

export function App() {
  const url = useLocation();
  const [session, setSession] = useState<{ token: string; viewer: Viewer | null } | null>(null);
  const [restoring, setRestoring] = useState(() => getToken() !== null);

  const signOut = useCallback(() => {
    setToken(null);
    setSession(null);
  }, []);

  useEffect(() => onUnauthorized(signOut), [signOut]);

  useEffect(() => {
    const token = getToken();
    if (!token) return;
    whoAmI(token).then(
      (viewer) => {
        setSession({ token, viewer });
        setRestoring(false);
      },
      (e: unknown) => {
        // A refused key signs out; anything else (the database is down, a timeout) keeps the
        // tab signed in, and each view says what went wrong when it asks for its data.
        if (e instanceof ApiError && e.status === 401) setToken(null);
        else setSession({ token, viewer: null });
        setRestoring(false);
      },
    );
  }, []);

  useEffect(() => {
    const path = appPath(url);
    const title = document.querySelector("h1")?.textContent;
    document.title = title && path !== "/" ? `${title} · Rapport explorer` : "Rapport explorer";
  });

  if (restoring) return <p className="loading">Signing in…</p>;
  if (!session)
    return (
      <SignIn
        onSignedIn={(token, viewer) => {
          setToken(token);
          setSession({ token, viewer });
        }}
      />
    );

  const value: Session = { ...session, signOut };
  const path = appPath(url);
  return (
    <SessionContext.Provider value={value}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/" className="brand">
          Rapport
        </Link>
        <SearchBox />
        <div className="who" role="group" aria-label="Signed in as">
          {session.viewer ? (
            <>
              <span className="who-name">{session.viewer.name}</span>
              <span className={`role role-${session.viewer.role}`}>{session.viewer.role}</span>
            </>
          ) : (
            <span className="who-name">Signed in</span>
          )}
          <button
            type="button"
            onClick={() => {
              signOut();
              navigate("/");
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <nav className="nav" aria-label="Lists">
        {[...NAV, ...(session.viewer?.role === "ADMIN" || session.viewer?.role === "MANAGER" ? [DUPLICATES] : [])].map(([to, label]) => (
          <Link key={to} to={to} aria-current={path === to ? "page" : undefined}>
            {label}
          </Link>
        ))}
      </nav>
      <main id="main" tabIndex={-1}>
        <Routes url={url} />
      </main>
    </SessionContext.Provider>
  );
}
