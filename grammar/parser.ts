/**
 * The .arch grammar, as a chevrotain CstParser with error recovery. The grammar lives here and
 * only here: the EBNF in spec/language.md is generated from these rules (grammar/ebnf.ts), and
 * the syntax tree is built from the CST in grammar/build-ast.ts.
 *
 * Binary operators are parsed as a flat list (`unary (op unary)*`) and precedence is applied
 * when the AST is built: one rule instead of eight keeps parsing fast and the recursion shallow.
 */
import type { CstNode, IToken, TokenType } from "chevrotain";
import { CstParser, EOF } from "./chevrotain.js";
import * as T from "./lexer.js";
import { errorMessages } from "./syntax-errors.js";

export class ArchParser extends CstParser {
  constructor() {
    super(T.allTokens, {
      recoveryEnabled: true,
      nodeLocationTracking: "onlyOffset",
      maxLookahead: 3,
      errorMessageProvider: errorMessages,
    });
    this.performSelfAnalysis();
  }

  /**
   * A comma-separated list with an optional trailing comma, closed by `closer` (not consumed).
   * `idx` keeps the DSL occurrence indices of several lists in one rule distinct.
   */
  private commaList(idx: number, closer: TokenType, item: (i: number) => void): void {
    this.option(idx, () => {
      item(idx);
      this.many(idx, {
        GATE: () => this.LA(2).tokenType !== closer,
        DEF: () => {
          this.consume(idx, T.Comma);
          item(idx + 1);
        },
      });
      this.option(idx + 50, () => this.consume(idx + 50, T.Comma));
    });
  }

  // ---------------------------------------------------------------- files and declarations

  module = this.RULE("module", () => {
    this.MANY(() => {
      this.OR([
        { ALT: () => this.SUBRULE(this.importDecl) },
        { ALT: () => this.SUBRULE(this.blockDecl) },
        { ALT: () => this.SUBRULE(this.interfaceDecl) },
        { ALT: () => this.SUBRULE(this.fnDecl) },
        { ALT: () => this.SUBRULE(this.modelDecl) },
        { ALT: () => this.SUBRULE(this.letDecl) },
        { ALT: () => this.CONSUME(T.Semicolon) },
        // Accepted only to be reported (A0112): recovery then resumes right after them.
        { ALT: () => this.SUBRULE(this.paramMember, { LABEL: "misplaced" }) },
        { ALT: () => this.SUBRULE(this.layerMember, { LABEL: "misplaced" }) },
        { ALT: () => this.SUBRULE(this.requiresDecl, { LABEL: "misplaced" }) },
        { ALT: () => this.SUBRULE(this.tieDecl, { LABEL: "misplaced" }) },
        { ALT: () => this.SUBRULE(this.ifMember, { LABEL: "misplaced" }) },
        { ALT: () => this.SUBRULE(this.forwardDecl, { LABEL: "misplaced" }) },
        { ALT: () => this.SUBRULE(this.returnStmt, { LABEL: "misplaced" }) },
      ]);
    });
  });

  importDecl = this.RULE("importDecl", () => {
    this.CONSUME(T.Import);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.StringLit, { LABEL: "path" });
          this.OPTION(() => {
            this.CONSUME(T.As);
            this.CONSUME(T.Ident, { LABEL: "alias" });
          });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.LBrace);
          this.commaList(1, T.RBrace, (i) => this.subrule(i, this.importName));
          this.CONSUME(T.RBrace);
          this.CONSUME(T.From);
          this.CONSUME2(T.StringLit, { LABEL: "path" });
        },
      },
    ]);
  });

  importName = this.RULE("importName", () => {
    this.CONSUME(T.Ident, { LABEL: "name" });
    this.OPTION(() => {
      this.CONSUME(T.As);
      this.CONSUME2(T.Ident, { LABEL: "alias" });
    });
  });

  blockDecl = this.RULE("blockDecl", () => {
    this.CONSUME(T.BlockKw);
    this.CONSUME(T.NameLike, { LABEL: "name" });
    this.OPTION(() => this.SUBRULE(this.paramList));
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.member));
    this.CONSUME(T.RBrace);
  });

  interfaceDecl = this.RULE("interfaceDecl", () => {
    this.CONSUME(T.Interface);
    this.CONSUME(T.NameLike, { LABEL: "name" });
    this.OPTION(() => this.SUBRULE(this.paramList));
    this.CONSUME(T.LBrace);
    this.MANY(() => {
      this.OR([
        { ALT: () => this.SUBRULE(this.forwardSig) },
        { ALT: () => this.CONSUME(T.Semicolon) },
        // Accepted only to be reported (A0112).
        { ALT: () => this.SUBRULE(this.paramMember, { LABEL: "misplaced" }) },
        { ALT: () => this.SUBRULE(this.layerMember, { LABEL: "misplaced" }) },
        { ALT: () => this.SUBRULE(this.letDecl, { LABEL: "misplaced" }) },
        { ALT: () => this.SUBRULE(this.requiresDecl, { LABEL: "misplaced" }) },
        { ALT: () => this.SUBRULE(this.tieDecl, { LABEL: "misplaced" }) },
        { ALT: () => this.SUBRULE(this.ifMember, { LABEL: "misplaced" }) },
      ]);
    });
    this.CONSUME(T.RBrace);
  });

  /** An interface's forward: the signature without a body. */
  forwardSig = this.RULE("forwardSig", () => {
    this.CONSUME(T.Forward);
    this.SUBRULE(this.paramList);
    this.CONSUME(T.Arrow);
    this.SUBRULE(this.outputs);
  });

  fnDecl = this.RULE("fnDecl", () => {
    this.CONSUME(T.Fn);
    this.CONSUME(T.NameLike, { LABEL: "name" });
    this.SUBRULE(this.paramList);
    this.OPTION(() => {
      this.CONSUME(T.Arrow);
      this.SUBRULE(this.outputs);
    });
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Equals);
          this.SUBRULE(this.expr);
        },
      },
      { ALT: () => this.SUBRULE(this.body) },
    ]);
  });

  modelDecl = this.RULE("modelDecl", () => {
    this.CONSUME(T.Model);
    this.CONSUME(T.NameLike, { LABEL: "name" });
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expr);
    this.OPTION(() => {
      this.CONSUME(T.With);
      this.SUBRULE(this.binding);
      this.MANY(() => {
        this.CONSUME(T.Comma);
        this.SUBRULE2(this.binding);
      });
    });
  });

  binding = this.RULE("binding", () => {
    this.CONSUME(T.NameLike, { LABEL: "name" });
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expr);
  });

  /** `(name: type = default, ...)`: hyperparameters, function parameters, forward inputs. */
  paramList = this.RULE("paramList", () => {
    this.CONSUME(T.LParen);
    this.commaList(1, T.RParen, (i) => this.subrule(i, this.paramDecl));
    this.CONSUME(T.RParen);
  });

  paramDecl = this.RULE("paramDecl", () => {
    this.CONSUME(T.NameLike, { LABEL: "name" });
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      this.SUBRULE(this.typeExpr);
    });
    this.OPTION2(() => {
      this.CONSUME(T.Equals);
      this.SUBRULE(this.expr);
    });
  });

  // ---------------------------------------------------------------- block members

  member = this.RULE("member", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.paramMember) },
      { ALT: () => this.SUBRULE(this.layerMember) },
      { ALT: () => this.SUBRULE(this.letDecl) },
      { ALT: () => this.SUBRULE(this.requiresDecl) },
      { ALT: () => this.SUBRULE(this.tieDecl) },
      { ALT: () => this.SUBRULE(this.ifMember) },
      { ALT: () => this.SUBRULE(this.forwardDecl) },
      { ALT: () => this.CONSUME(T.Semicolon) },
      { ALT: () => this.SUBRULE(this.returnStmt, { LABEL: "misplaced" }) },
    ]);
  });

  paramMember = this.RULE("paramMember", () => {
    this.CONSUME(T.Param);
    this.CONSUME(T.NameLike, { LABEL: "name" });
    this.CONSUME(T.Colon);
    this.SUBRULE(this.tensorType);
    this.OPTION(() => {
      this.CONSUME(T.Equals);
      this.SUBRULE(this.expr);
    });
  });

  layerMember = this.RULE("layerMember", () => {
    this.CONSUME(T.Layer);
    this.CONSUME(T.NameLike, { LABEL: "name" });
    this.CONSUME(T.Equals);
    this.SUBRULE(this.layerValue);
  });

  layerValue = this.RULE("layerValue", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Repeat);
          this.CONSUME(T.NameLike, { LABEL: "index" });
          this.CONSUME(T.In);
          this.SUBRULE(this.expr, { LABEL: "from" });
          this.CONSUME(T.DotDot);
          this.SUBRULE2(this.expr, { LABEL: "to" });
          this.CONSUME(T.FatArrow);
          this.SUBRULE3(this.expr, { LABEL: "body" });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Stack);
          this.SUBRULE4(this.expr, { LABEL: "count" });
          this.CONSUME(T.Of);
          this.SUBRULE5(this.expr, { LABEL: "body" });
        },
      },
      { ALT: () => this.SUBRULE6(this.expr, { LABEL: "value" }) },
    ]);
  });

  letDecl = this.RULE("letDecl", () => {
    this.CONSUME(T.Let);
    this.SUBRULE(this.pattern);
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      this.SUBRULE(this.typeExpr);
    });
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expr);
  });

  pattern = this.RULE("pattern", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.NameLike, { LABEL: "name" }) },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.commaList(1, T.RParen, (i) => this.consume(i, T.NameLike, { LABEL: "name" }));
          this.CONSUME(T.RParen);
        },
      },
    ]);
  });

  requiresDecl = this.RULE("requiresDecl", () => {
    this.CONSUME(T.Requires);
    this.SUBRULE(this.expr);
    this.OPTION(() => {
      this.CONSUME(T.Else);
      this.CONSUME(T.StringLit, { LABEL: "message" });
    });
  });

  tieDecl = this.RULE("tieDecl", () => {
    this.CONSUME(T.Tie);
    this.SUBRULE(this.expr, { LABEL: "target" });
    this.CONSUME(T.Equals);
    this.SUBRULE2(this.expr, { LABEL: "source" });
  });

  ifMember = this.RULE("ifMember", () => {
    this.CONSUME(T.If);
    this.SUBRULE(this.expr, { LABEL: "cond" });
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.member, { LABEL: "then" }));
    this.CONSUME(T.RBrace);
    this.OPTION(() => {
      this.CONSUME(T.Else);
      this.OR([
        { ALT: () => this.SUBRULE(this.ifMember, { LABEL: "elseIf" }) },
        {
          ALT: () => {
            this.CONSUME2(T.LBrace);
            this.MANY2(() => this.SUBRULE2(this.member, { LABEL: "else" }));
            this.CONSUME2(T.RBrace);
          },
        },
      ]);
    });
  });

  forwardDecl = this.RULE("forwardDecl", () => {
    this.CONSUME(T.Forward);
    this.SUBRULE(this.paramList);
    this.CONSUME(T.Arrow);
    this.SUBRULE(this.outputs);
    this.SUBRULE(this.body);
  });

  outputs = this.RULE("outputs", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.commaList(1, T.RParen, (i) => this.subrule(i, this.outputSpec));
          this.CONSUME(T.RParen);
        },
      },
      { ALT: () => this.SUBRULE(this.outputSpec) },
    ]);
  });

  outputSpec = this.RULE("outputSpec", () => {
    this.OPTION(() => {
      this.CONSUME(T.NameLike, { LABEL: "name" });
      this.CONSUME(T.Colon);
    });
    this.SUBRULE(this.tensorType);
  });

  body = this.RULE("body", () => {
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.statement));
    this.CONSUME(T.RBrace);
  });

  statement = this.RULE("statement", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.letDecl) },
      { ALT: () => this.SUBRULE(this.requiresDecl) },
      { ALT: () => this.SUBRULE(this.returnStmt) },
      { ALT: () => this.CONSUME(T.Semicolon) },
      { ALT: () => this.SUBRULE(this.paramMember, { LABEL: "misplaced" }) },
      { ALT: () => this.SUBRULE(this.layerMember, { LABEL: "misplaced" }) },
      { ALT: () => this.SUBRULE(this.tieDecl, { LABEL: "misplaced" }) },
      { ALT: () => this.SUBRULE(this.ifMember, { LABEL: "misplaced" }) },
      { ALT: () => this.SUBRULE(this.forwardDecl, { LABEL: "misplaced" }) },
    ]);
  });

  returnStmt = this.RULE("returnStmt", () => {
    this.CONSUME(T.Return);
    this.SUBRULE(this.expr);
  });

  // ---------------------------------------------------------------- types

  typeExpr = this.RULE("typeExpr", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.tensorType) },
      { ALT: () => this.SUBRULE(this.namedType) },
      { ALT: () => this.SUBRULE(this.enumType) },
      { ALT: () => this.SUBRULE(this.tupleType) },
    ]);
  });

  tensorType = this.RULE("tensorType", () => {
    this.OPTION(() => this.CONSUME(T.Ident, { LABEL: "dtype" }));
    this.CONSUME(T.LBracket);
    this.commaList(1, T.RBracket, (i) => this.subrule(i, this.dimElem));
    this.CONSUME(T.RBracket);
  });

  dimElem = this.RULE("dimElem", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Ellipsis);
          this.OPTION(() => this.CONSUME(T.Ident, { LABEL: "name" }));
        },
      },
      { ALT: () => this.SUBRULE(this.expr) },
    ]);
  });

  /** `int`, `dim`, `FFN(d)`; also `fn` (a keyword elsewhere), the type of activations. */
  namedType = this.RULE("namedType", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Ident, { LABEL: "name" }) },
      { ALT: () => this.CONSUME(T.Fn, { LABEL: "name" }) },
    ]);
    this.OPTION(() => this.SUBRULE(this.argList));
  });

  enumType = this.RULE("enumType", () => {
    this.CONSUME(T.Enum);
    this.CONSUME(T.LBrace);
    this.commaList(1, T.RBrace, (i) => this.consume(i, T.Ident, { LABEL: "member" }));
    this.CONSUME(T.RBrace);
  });

  tupleType = this.RULE("tupleType", () => {
    this.CONSUME(T.LParen);
    this.commaList(1, T.RParen, (i) => this.subrule(i, this.typeExpr));
    this.CONSUME(T.RParen);
  });

  // ---------------------------------------------------------------- expressions

  expr = this.RULE("expr", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.ifExpr) },
      { ALT: () => this.SUBRULE(this.binaryExpr) },
    ]);
  });

  ifExpr = this.RULE("ifExpr", () => {
    this.CONSUME(T.If);
    this.SUBRULE(this.expr, { LABEL: "cond" });
    this.CONSUME(T.Then);
    this.SUBRULE2(this.expr, { LABEL: "then" });
    this.CONSUME(T.Else);
    this.SUBRULE3(this.expr, { LABEL: "else" });
  });

  /** Operands and operators in source order; precedence is applied in build-ast.ts. */
  binaryExpr = this.RULE("binaryExpr", () => {
    this.SUBRULE(this.unaryExpr, { LABEL: "operand" });
    this.MANY(() => {
      this.CONSUME(T.BinaryOp, { LABEL: "operator" });
      this.SUBRULE2(this.unaryExpr, { LABEL: "operand" });
    });
  });

  unaryExpr = this.RULE("unaryExpr", () => {
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Minus, { LABEL: "prefix" }) },
        { ALT: () => this.CONSUME(T.Bang, { LABEL: "prefix" }) },
      ]);
    });
    this.SUBRULE(this.postfixExpr);
  });

  postfixExpr = this.RULE("postfixExpr", () => {
    this.SUBRULE(this.primary);
    this.MANY(() => {
      this.OR([
        { ALT: () => this.SUBRULE(this.argList, { LABEL: "suffix" }) },
        { ALT: () => this.SUBRULE(this.memberSuffix, { LABEL: "suffix" }) },
        { ALT: () => this.SUBRULE(this.indexSuffix, { LABEL: "suffix" }) },
      ]);
    });
  });

  argList = this.RULE("argList", () => {
    this.CONSUME(T.LParen);
    this.commaList(1, T.RParen, (i) => this.subrule(i, this.arg));
    this.CONSUME(T.RParen);
  });

  arg = this.RULE("arg", () => {
    this.OPTION(() => {
      this.CONSUME(T.Ident, { LABEL: "name" });
      this.CONSUME(T.Equals);
    });
    this.SUBRULE(this.expr);
  });

  memberSuffix = this.RULE("memberSuffix", () => {
    this.CONSUME(T.Dot);
    this.CONSUME(T.Ident, { LABEL: "name" });
  });

  indexSuffix = this.RULE("indexSuffix", () => {
    this.CONSUME(T.LBracket);
    this.commaList(1, T.RBracket, (i) => this.subrule(i, this.indexElem));
    this.CONSUME(T.RBracket);
  });

  indexElem = this.RULE("indexElem", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Ellipsis) },
      {
        ALT: () => {
          this.SUBRULE(this.expr, { LABEL: "start" });
          this.OPTION(() => this.SUBRULE(this.sliceTail));
        },
      },
      { ALT: () => this.SUBRULE2(this.sliceTail) },
    ]);
  });

  /** `: [stop] [: [step]]` */
  sliceTail = this.RULE("sliceTail", () => {
    this.CONSUME(T.Colon);
    this.OPTION(() => this.SUBRULE(this.expr, { LABEL: "stop" }));
    this.OPTION2(() => {
      this.CONSUME2(T.Colon, { LABEL: "stepColon" });
      this.OPTION3(() => this.SUBRULE2(this.expr, { LABEL: "step" }));
    });
  });

  primary = this.RULE("primary", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Number) },
      { ALT: () => this.CONSUME(T.StringLit) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      { ALT: () => this.CONSUME(T.Ident) },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.commaList(1, T.RParen, (i) => this.subrule(i, this.expr, { LABEL: "elem" }));
          this.CONSUME(T.RParen);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.LBracket);
          this.commaList(3, T.RBracket, (i) => this.subrule(i, this.expr, { LABEL: "listElem" }));
          this.CONSUME(T.RBracket);
        },
      },
    ]);
  });
}

/** One parser instance, reused for every file (chevrotain's recommendation). */
export const parser = new ArchParser();

export type { CstNode, IToken };
export { EOF };
