export * from "./source.js";
export * from "./diagnostic.js";
export * from "./render.js";
export { CODES, type Code } from "./codes.js";
