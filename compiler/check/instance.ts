/**
 * A block instance: a block with every hyperparameter bound, its parameters (with shapes and
 * checkpoint paths) and its child instances. The tree of instances under a model is what
 * `archc info` reports and what elaboration turns into a graph.
 */
import type * as A from "../../grammar/ast.js";
import type { Location } from "../diagnostics/diagnostic.js";
import type { TensorType } from "../ops/types.js";
import type { InitSpec } from "../../runtime/random.js";
import type { BlockRef, Value } from "./values.js";

export interface ParamInfo {
  /** Name inside its block (`weight`). */
  name: string;
  /** Checkpoint path from the model root (`layers.3.attn.qkv.weight`). */
  path: string;
  type: TensorType;
  init?: A.Expr;
  /** What `archc init` draws the values from (zeros when the parameter has no initializer). */
  initSpec?: InitSpec;
  decl: A.ParamMember;
  /** For a tied parameter: the path of the parameter it is (only that one is stored). */
  tiedTo?: string;
}

/** One step of an instantiation chain, for messages: "in HourglassFFN(d=512) at gpt.arch:12:5". */
export interface Frame {
  label: string;
  location: Location;
  /** Not shown: the root of a block checked on its own (the chain would only name the block). */
  hidden?: boolean;
}

export interface Instance {
  /** Path from the model root (`""` for the root, `layers.3.ffn` below). */
  path: string;
  block: BlockRef;
  /** Every hyperparameter, bound or defaulted. */
  args: Map<string, Value>;
  /** Hyperparameters and block-level lets: the static names of the block's code. */
  statics: Map<string, Value>;
  /** Own parameters, in declaration order. */
  params: ParamInfo[];
  /** Children in declaration order; a `stack`/`repeat` layer has a list. */
  layers: Map<string, Instance | Instance[]>;
  /** Tensor-namespace members: parameters (as tensors) and layers. */
  members: Map<string, Value>;
  forward?: A.ForwardDecl;
  /** Where it was instantiated (a `layer` member, a model, a `--model` expression). */
  useSite: Location;
  /** Instantiation chain from the outermost use site to this instance. */
  chain: Frame[];
  /** Checked on its own with symbolic hyperparameters, not as part of a model. */
  generic: boolean;
  /** Where each static name and member of the block is declared (for related spans). */
  defs: Map<string, A.Span>;
}

/** Every instance of a tree, parents before children. */
export function* walk(root: Instance): Generator<Instance> {
  yield root;
  for (const child of root.layers.values()) {
    for (const c of Array.isArray(child) ? child : [child]) yield* walk(c);
  }
}
