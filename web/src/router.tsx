// A small History-API router: every view has its own URL under /app, and the back button works.
import { useEffect, useState, type AnchorHTMLAttributes, type MouseEvent } from "react";

export const BASE = "/app";

function current(): URL {
  return new URL(window.location.href);
}

const subscribers = new Set<() => void>();

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const target = to.startsWith(BASE) ? to : BASE + to;
  if (options.replace) window.history.replaceState(null, "", target);
  else window.history.pushState(null, "", target);
  subscribers.forEach((s) => s());
  window.scrollTo(0, 0);
}

export function useLocation(): URL {
  const [location, setLocation] = useState(current);
  useEffect(() => {
    const update = () => setLocation(current());
    subscribers.add(update);
    window.addEventListener("popstate", update);
    return () => {
      subscribers.delete(update);
      window.removeEventListener("popstate", update);
    };
  }, []);
  return location;
}

/** The path below /app, e.g. "/customers/abc". */
export function appPath(url: URL): string {
  const path = url.pathname.startsWith(BASE) ? url.pathname.slice(BASE.length) : url.pathname;
  return path === "" ? "/" : path;
}

export function Link({
  to,
  onClick,
  ...rest
}: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  const href = BASE + to;
  const handle = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(href);
  };
  return <a href={href} onClick={handle} {...rest} />;
}
