// The peer the hub's familyNetwork is measured against: @neo4j/graphql under Apollo Server,
// over the benchmark Neo4j. `hub bench run` starts it (benchmarks/peer_graphql.py):
//
//     node benchmarks/peer/server.mjs --port 8124 [--authorization]
//
// Configuration comes from the environment: PEER_NEO4J_URI, PEER_NEO4J_USER,
// PEER_NEO4J_PASSWORD, PEER_NEO4J_DATABASE and, with --authorization, PEER_JWT_SECRET (the
// HS256 key the caller's token is signed with; its `agency` claim is the caller's agency).
//
// Set up as the library's documentation recommends for a production system: one driver for
// the process, deprecated fields left out of the generated schema, a read-only schema (no
// mutations, subscriptions or aggregations), and Apollo Server in production mode (no
// landing page, no introspection, its parsed-document cache on).

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { Neo4jGraphQL } from "@neo4j/graphql";
import neo4j from "neo4j-driver";

const here = dirname(fileURLToPath(import.meta.url));
const { values: options } = parseArgs({
    options: {
        port: { type: "string" },
        authorization: { type: "boolean", default: false },
    },
});
if (!options.port) {
    console.error("usage: node server.mjs --port PORT [--authorization]");
    process.exit(2);
}

const required = (name) => {
    const value = process.env[name];
    if (!value) {
        console.error(`${name} is not set`);
        process.exit(2);
    }
    return value;
};

const database = process.env.PEER_NEO4J_DATABASE || "neo4j";
const driver = neo4j.driver(
    required("PEER_NEO4J_URI"),
    neo4j.auth.basic(process.env.PEER_NEO4J_USER || "neo4j", required("PEER_NEO4J_PASSWORD")),
);

let typeDefs = readFileSync(join(here, "type-defs.graphql"), "utf8");
const features = {
    excludeDeprecatedFields: {
        mutationOperations: true,
        aggregationFilters: true,
        aggregationFiltersOutsideConnection: true,
        relationshipFilters: true,
        attributeFilters: true,
    },
};
if (options.authorization) {
    // Records only of the caller's agency, as the token says: the nearest the library comes
    // to the hub's policy (see the README's benchmark section for what it cannot say).
    typeDefs += readFileSync(join(here, "authorization.graphql"), "utf8");
    features.authorization = {
        key: required("PEER_JWT_SECRET"),
        verifyOptions: { algorithms: ["HS256"] },
    };
}

const neoSchema = new Neo4jGraphQL({ typeDefs, driver, features });
const server = new ApolloServer({
    schema: await neoSchema.getSchema(),
    introspection: false,
    includeStacktraceInErrorResponses: false,
});
const { url } = await startStandaloneServer(server, {
    listen: { host: "127.0.0.1", port: Number(options.port) },
    context: async ({ req }) => ({ token: req.headers.authorization, sessionConfig: { database } }),
});
console.log(`peer (${options.authorization ? "authorization" : "no authorization"}) at ${url}`);

const stop = async () => {
    await server.stop();
    await driver.close();
    process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
