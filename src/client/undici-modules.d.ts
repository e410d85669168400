// Types for the two undici modules src/client/http-core.ts loads directly: undici declares its index only.
declare module "undici/lib/dispatcher/agent.js" {
  import type { Agent } from "undici";

  const AgentClass: typeof Agent;
  export default AgentClass;
}

declare module "undici/lib/core/errors.js" {
  import type { errors } from "undici";

  const errorClasses: typeof errors;
  export default errorClasses;
}
