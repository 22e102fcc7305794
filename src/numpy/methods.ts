// Installs the numpy functions behind the Array chaining methods (`x.add(y).sum()`), a late
// binding that keeps src/core/array.ts free of an import cycle. Loaded by the np index.

import { arrayOps } from "../core/array.js"
import { abs, add, divide, maximum, minimum, multiply, negative, power, square, subtract } from "./elementwise.js"
import { at, astype } from "./indexing.js"
import { dot, matmul } from "./linalg.js"
import { equal, greater, less } from "./logic.js"
import { cos, exp, log, sin, sqrt, tan, tanh } from "./math.js"
import { max, mean, min, prod, sum } from "./reductions.js"
import { reshape, transpose } from "./shape.js"

Object.assign(arrayOps, {
  add, subtract, multiply, divide, power, negative, sin, cos, tan, tanh, exp, log, sqrt, square, abs,
  maximum, minimum, greater, less, equal, sum, mean, prod, max, min, reshape, transpose, matmul, dot, at, astype,
} satisfies typeof arrayOps)
