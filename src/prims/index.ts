// Loads every primitive family so the registry is complete.
export * as elementwise from "./elementwise.js"
export * as shape from "./shape.js"
export * as reductions from "./reductions.js"
export * as dot from "./dot.js"
export * as linalg from "./linalg.js"
export * as remat from "./remat.js"
export * as scan from "./control/scan.js"
