// Cytoscape.js drawing: fcose for networks, dagre for org charts and trees. The container is the
// fixed test hook: role="figure", an aria-label, and data-node-count = nodes drawn.
import cytoscape, { type Core, type ElementDefinition } from "cytoscape";
import dagre from "cytoscape-dagre";
import fcose from "cytoscape-fcose";
import { useEffect, useRef } from "react";

import { NODE_STYLE, RELATIONSHIPS, type EntityKind } from "./entities";

cytoscape.use(fcose);
cytoscape.use(dagre);

export interface GraphNode {
  id: string;
  kind: EntityKind;
  label: string;
  classes?: string[];
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  kind: string;
  classes?: string[];
}

const STYLE: cytoscape.StylesheetJson = [
  {
    selector: "node",
    style: {
      label: "data(label)",
      "font-size": 11,
      "text-valign": "bottom",
      "text-margin-y": 4,
      "text-wrap": "wrap",
      "text-max-width": "120px",
      color: "#1a202c",
      "background-color": "#718096",
      width: 26,
      height: 26,
      "border-width": 1,
      "border-color": "#fff",
    },
  },
  ...Object.entries(NODE_STYLE).map(([kind, s]) => ({
    selector: `node[kind = "${kind}"]`,
    style: { "background-color": s.color, shape: s.shape as cytoscape.Css.NodeShape },
  })),
  { selector: "node.root", style: { width: 38, height: 38, "border-width": 3, "border-color": "#1a202c" } },
  { selector: "node.decision-maker", style: { "border-width": 4, "border-color": "#d69e2e", width: 34, height: 34 } },
  { selector: "node.path", style: { "border-width": 4, "border-color": "#e53e3e" } },
  { selector: "node.locked", style: { "border-style": "double" } },
  { selector: "node:selected", style: { "overlay-opacity": 0.15, "overlay-color": "#2b6cb0" } },
  {
    selector: "edge",
    style: {
      width: 1.5,
      "curve-style": "bezier",
      "target-arrow-shape": "triangle",
      "arrow-scale": 0.8,
      label: "data(label)",
      "font-size": 9,
      color: "#4a5568",
      "text-rotation": "autorotate",
      "text-background-color": "#fff",
      "text-background-opacity": 0.8,
      "text-background-padding": "1px",
    },
  },
  ...Object.entries(RELATIONSHIPS).map(([kind, r]) => ({
    selector: `edge[kind = "${kind}"]`,
    style: { "line-color": r.color, "target-arrow-color": r.color, "source-arrow-color": r.color },
  })),
  { selector: "edge.path", style: { width: 4 } },
  { selector: "edge.quiet", style: { label: "" } },
  { selector: "edge.backwards", style: { "target-arrow-shape": "none", "source-arrow-shape": "triangle" } },
  { selector: "edge.hidden-kind", style: { display: "none" } },
];

function elements(nodes: GraphNode[], edges: GraphEdge[]): ElementDefinition[] {
  const ids = new Set(nodes.map((n) => n.id));
  return [
    ...nodes.map((n) => ({
      group: "nodes" as const,
      data: { id: n.id, kind: n.kind, label: n.label },
      classes: n.classes ?? [],
    })),
    ...edges
      .filter((e) => ids.has(e.source) && ids.has(e.target))
      .map((e) => ({
        group: "edges" as const,
        data: {
          id: e.id,
          source: e.source,
          target: e.target,
          kind: e.kind,
          label: RELATIONSHIPS[e.kind]?.label ?? e.kind.toLowerCase(),
        },
        classes: e.classes ?? [],
      })),
  ];
}

function withQuiet(defs: ElementDefinition[], quiet: boolean): ElementDefinition[] {
  if (!quiet) return defs;
  return defs.map((d) => (d.group === "edges" ? { ...d, classes: [...((d.classes as string[]) ?? []), "quiet"] } : d));
}

export interface GraphProps {
  nodes: GraphNode[];
  edges: GraphEdge[];
  layout: "fcose" | "dagre";
  label?: string;
  hiddenKinds?: ReadonlySet<string>;
  onActivate?: (node: GraphNode) => void;
  onReady?: (cy: Core) => void;
  height?: number;
  /** dagre only: top-to-bottom (org charts) or left-to-right (paths). */
  direction?: "TB" | "LR";
  /** Leave edge labels out (an org chart's edges are all "reports to"). */
  quietEdges?: boolean;
}

export function Graph({
  nodes,
  edges,
  layout,
  label = "Relationship graph",
  hiddenKinds,
  onActivate,
  onReady,
  height = 520,
  direction = "TB",
  quietEdges = false,
}: GraphProps) {
  const container = useRef<HTMLDivElement>(null);
  const cyRef = useRef<Core | null>(null);
  const activate = useRef(onActivate);
  activate.current = onActivate;
  const byId = useRef(new Map<string, GraphNode>());
  byId.current = new Map(nodes.map((n) => [n.id, n]));

  useEffect(() => {
    if (!container.current) return;
    const cy = cytoscape({
      container: container.current,
      style: STYLE,
      minZoom: 0.2,
      maxZoom: 3,
    });
    cy.on("tap", "node", (event) => {
      const node = byId.current.get(event.target.id() as string);
      if (node) activate.current?.(node);
    });
    cyRef.current = cy;
    onReady?.(cy);
    return () => {
      cy.destroy();
      cyRef.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    const cy = cyRef.current;
    if (!cy) return;
    // Past a dozen edges their labels overlap; the colours and the legend say the kind.
    const wanted = withQuiet(elements(nodes, edges), quietEdges || edges.length > 12);
    const wantedIds = new Set(wanted.map((e) => e.data.id as string));
    cy.batch(() => {
      cy.elements().forEach((el) => {
        if (!wantedIds.has(el.id())) el.remove();
      });
      for (const el of wanted) {
        const existing = cy.getElementById(el.data.id as string);
        if (existing.nonempty()) {
          const keep = existing.locked() ? ["locked"] : [];
          existing.classes([...(el.classes as string[]), ...keep]);
          existing.data("label", el.data.label);
        } else {
          cy.add(el);
        }
      }
    });
    const fresh = cy.nodes().filter((n) => !n.scratch("_placed"));
    const newEdges = cy.edges().filter((e) => !e.scratch("_placed"));
    if (fresh.nonempty() || newEdges.nonempty()) {
      const options =
        layout === "dagre"
          ? ({ name: "dagre", rankDir: direction, nodeSep: 30, rankSep: direction === "LR" ? 140 : 60, animate: false } as cytoscape.LayoutOptions)
          : ({
              name: "fcose",
              animate: false,
              randomize: cy.nodes().length === fresh.length,
              nodeRepulsion: 8000,
              idealEdgeLength: 90,
              fixedNodeConstraint: cy
                .nodes(".locked")
                .map((n) => ({ nodeId: n.id(), position: n.position() })),
            } as cytoscape.LayoutOptions);
      cy.layout(options).run();
      cy.elements().forEach((el) => {
        el.scratch("_placed", true);
      });
      cy.fit(undefined, 30);
    }
  }, [nodes, edges, layout, direction, quietEdges]);

  useEffect(() => {
    const cy = cyRef.current;
    if (!cy) return;
    cy.edges().forEach((e) => {
      e.toggleClass("hidden-kind", hiddenKinds?.has(e.data("kind") as string) ?? false);
    });
  }, [hiddenKinds, nodes, edges]);

  return (
    <div
      ref={container}
      className="graph"
      role="figure"
      aria-label={label}
      data-node-count={nodes.length}
      data-highlighted={nodes.filter((n) => n.classes?.some((c) => c === "decision-maker" || c === "path")).length}
      style={{ height }}
    />
  );
}

export function Legend({ kinds, relationships }: { kinds: EntityKind[]; relationships: string[] }) {
  return (
    <div className="legend" role="group" aria-label="Legend">
      <ul>
        {kinds.map((k) => (
          <li key={k}>
            <span className={`swatch swatch-${k}`} aria-hidden="true" /> {NODE_STYLE[k].label}
          </li>
        ))}
        {relationships.map((r) => (
          <li key={r}>
            <span className={`line line-${r}`} aria-hidden="true" /> {RELATIONSHIPS[r]?.label ?? r}
          </li>
        ))}
      </ul>
    </div>
  );
}
