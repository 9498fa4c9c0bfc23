// A tiny ActivityPub server built on Fedify: a peer nobody on the Flurfunk team wrote, so the
// federation tests meet another implementation's signatures, WebFinger and JSON-LD handling.
//
//   PORT=8123 node peer.mjs          (or: node peer.mjs 8123)
//
// One actor, "peer", with an RSA key (RSASSA-PKCS1-v1_5, so it signs draft-cavage rsa-sha256
// as Mastodon does). Plain HTTP on 127.0.0.1. Fedify verifies every incoming signature.
//
// Control endpoints for the test (not ActivityPub):
//   POST /control/follow?target=<actor URL>  send a Follow
//   POST /control/post?text=...              send a public Create(Note) to the followers
//   GET  /control/received                   the activities received, as JSON
//   GET  /control/state                      followers and follows (pending/accepted)

import { createServer } from "node:http";
import { randomUUID } from "node:crypto";
import {
  Accept,
  Create,
  createFederation,
  Endpoints,
  Follow,
  generateCryptoKeyPair,
  isActor,
  MemoryKvStore,
  Note,
  Person,
  PUBLIC_COLLECTION,
  Reject,
  Undo,
} from "@fedify/fedify";
import { Temporal } from "@js-temporal/polyfill";
import { configure, getConsoleSink } from "@logtape/logtape";

const port = Number(process.env.PORT ?? process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error("usage: PORT=<port> node peer.mjs  (or node peer.mjs <port>)");
  process.exit(2);
}
const origin = `http://127.0.0.1:${port}`;
const HANDLE = "peer";

await configure({
  sinks: { console: getConsoleSink() },
  loggers: [
    { category: ["logtape", "meta"], sinks: [] },
    { category: "fedify", lowestLevel: process.env.PEER_DEBUG ? "debug" : "warning", sinks: ["console"] },
  ],
});

const federation = createFederation({
  kv: new MemoryKvStore(),
  origin,
  // Loopback only: Fedify refuses private addresses unless told this is a test.
  allowPrivateAddress: true,
});

const keyPairs = [await generateCryptoKeyPair("RSASSA-PKCS1-v1_5")];
const followers = new Map(); // follower actor id -> actor object (its inbox is where we deliver)
const follows = new Map(); // followed actor id -> { id: Follow id, state: "pending" | "accepted" | "rejected" }
const received = []; // every verified activity, compacted JSON-LD plus a few extracted fields

const newId = (kind) => new URL(`${origin}/${kind}/${randomUUID()}`);

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== HANDLE) return null;
    const keys = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: "Fedify Peer",
      summary: "A Fedify test peer",
      url: ctx.getActorUri(identifier),
      inbox: ctx.getInboxUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      followers: ctx.getFollowersUri(identifier),
      publicKey: keys[0].cryptographicKey,
      assertionMethods: keys.map((key) => key.multikey),
    });
  })
  .mapHandle((_ctx, username) => (username === HANDLE ? HANDLE : null))
  .setKeyPairsDispatcher((_ctx, identifier) => (identifier === HANDLE ? keyPairs : []));

federation.setFollowersDispatcher("/users/{identifier}/followers", (_ctx, identifier) => {
  if (identifier !== HANDLE) return null;
  return { items: [...followers.values()] };
});

async function record(ctx, activity, extra = {}) {
  const json = await activity.toJsonLd({ format: "compact", contextLoader: ctx.contextLoader });
  received.push({
    type: json.type,
    id: activity.id?.href ?? null,
    actor: activity.actorId?.href ?? null,
    ...extra,
    activity: json,
  });
}

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Follow, async (ctx, follow) => {
    if (follow.objectId?.href !== ctx.getActorUri(HANDLE).href) return;
    const follower = await follow.getActor(ctx);
    if (!isActor(follower) || follower.id == null) return;
    followers.set(follower.id.href, follower);
    await record(ctx, follow, { object: follow.objectId.href });
    await ctx.sendActivity(
      { identifier: HANDLE },
      follower,
      new Accept({ id: newId("accepts"), actor: ctx.getActorUri(HANDLE), object: follow }),
    );
  })
  .on(Accept, async (ctx, accept) => {
    const follow = await accept.getObject(ctx);
    if (follow instanceof Follow && accept.actorId != null) {
      const entry = follows.get(accept.actorId.href);
      if (entry) entry.state = "accepted";
    }
    await record(ctx, accept, { object: follow?.id?.href ?? null });
  })
  .on(Reject, async (ctx, reject) => {
    if (reject.actorId != null) {
      const entry = follows.get(reject.actorId.href);
      if (entry) entry.state = "rejected";
    }
    await record(ctx, reject);
  })
  .on(Create, async (ctx, create) => {
    const object = await create.getObject(ctx);
    const extra = {};
    if (object instanceof Note) {
      extra.object = object.id?.href ?? null;
      extra.objectType = "Note";
      extra.content = object.content?.toString() ?? null;
      extra.attributedTo = object.attributionId?.href ?? null;
    }
    await record(ctx, create, extra);
  })
  .on(Undo, async (ctx, undo) => {
    const object = await undo.getObject(ctx);
    if (object instanceof Follow && undo.actorId != null) followers.delete(undo.actorId.href);
    await record(ctx, undo);
  })
  .onError((_ctx, error) => {
    console.error("inbox error:", error);
  });

// ---- control endpoints for the test ----------------------------------------------------------

function json(body, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

async function control(request, url) {
  const ctx = federation.createContext(request, undefined);
  const me = ctx.getActorUri(HANDLE);
  if (request.method === "GET" && url.pathname === "/control/received") {
    return json(received);
  }
  if (request.method === "GET" && url.pathname === "/control/state") {
    return json({ actor: me.href, followers: [...followers.keys()], follows: Object.fromEntries(follows) });
  }
  if (request.method === "POST" && url.pathname === "/control/follow") {
    const target = url.searchParams.get("target");
    const actor = target && (await ctx.lookupObject(target));
    if (!isActor(actor) || actor.id == null) return json({ error: `no actor at ${target}` }, 404);
    const follow = new Follow({ id: newId("follows"), actor: me, object: actor.id });
    follows.set(actor.id.href, { id: follow.id.href, state: "pending" });
    await ctx.sendActivity({ identifier: HANDLE }, actor, follow);
    return json({ follow: follow.id.href, target: actor.id.href }, 202);
  }
  if (request.method === "POST" && url.pathname === "/control/post") {
    const text = url.searchParams.get("text") ?? "";
    const noteId = newId("notes");
    const note = new Note({
      id: noteId,
      attribution: me,
      content: `<p>${text.replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c])}</p>`,
      to: PUBLIC_COLLECTION,
      cc: ctx.getFollowersUri(HANDLE),
      published: Temporal.Now.instant(),
    });
    const create = new Create({
      id: new URL(`${noteId.href}/activity`),
      actor: me,
      object: note,
      to: PUBLIC_COLLECTION,
      cc: ctx.getFollowersUri(HANDLE),
    });
    await ctx.sendActivity({ identifier: HANDLE }, "followers", create);
    return json({ note: noteId.href, followers: followers.size }, 202);
  }
  return json({ error: "unknown control endpoint" }, 404);
}

// ---- node:http <-> fetch Request/Response ------------------------------------------------------

async function toRequest(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) value.forEach((v) => headers.append(name, v));
    else if (value != null) headers.set(name, value);
  }
  const method = req.method ?? "GET";
  return new Request(new URL(req.url ?? "/", origin), {
    method,
    headers,
    body: method === "GET" || method === "HEAD" ? undefined : body,
  });
}

async function handle(req, res) {
  let response;
  try {
    const request = await toRequest(req);
    const url = new URL(request.url);
    response = url.pathname.startsWith("/control/")
      ? await control(request, url)
      : await federation.fetch(request, { contextData: undefined });
  } catch (error) {
    console.error("request failed:", error);
    response = json({ error: String(error) }, 500);
  }
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
}

const server = createServer((req, res) => void handle(req, res));
server.listen(port, "127.0.0.1", () => console.log(`fedify peer listening on ${origin}`));
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => server.close(() => process.exit(0)));
