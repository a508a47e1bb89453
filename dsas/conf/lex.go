package conf

import (
	"github.com/alecthomas/participle/v2/lexer"
)

// The tokens of the bash subset, from participle's stateful lexer. Bash
// words are context-sensitive, so the lexer carries states: Value right
// after NAME= (where `#` and `(` mean something else than at a word start),
// List inside NAME=( ... ), DQ inside double quotes. Every byte of any input
// lexes to some token, so the evaluator, not the lexer, reports errors, with
// messages that say what was refused and why.
const (
	notLit  = " \t\r\n'\"\\\\$`|&;<>()"
	litRule = "[^" + notLit + "#][^" + notLit + "]*"
)

var wordRules = []lexer.Rule{
	{Name: "SQ", Pattern: `'[^']*'`},
	{Name: "UnSQ", Pattern: `'[^']*\z`},
	{Name: "DQOpen", Pattern: `"`, Action: lexer.Push("DQ")},
	{Name: "Arith", Pattern: `\$\(\(`},
	{Name: "CmdSubst", Pattern: "\\$\\(|`"},
	{Name: "Brace", Pattern: `\$\{[^}\n]*\}?`},
	{Name: "Var", Pattern: `\$[A-Za-z_][A-Za-z0-9_]*`},
	{Name: "Special", Pattern: `\$[0-9@*#?$!-]`},
	{Name: "Dollar", Pattern: `\$`},
	{Name: "Escape", Pattern: `\\[\s\S]`},
	{Name: "Backslash", Pattern: `\\`},
	{Name: "Meta", Pattern: `[|&<>()]`},
	{Name: "Lit", Pattern: litRule},
}

var shellLexer = lexer.MustStateful(lexer.Rules{
	"Root": append([]lexer.Rule{
		{Name: "Comment", Pattern: `#[^\n]*`},
		{Name: "NL", Pattern: `\n`},
		{Name: "Semi", Pattern: `;`},
		{Name: "Blank", Pattern: `[ \t\r]+`},
		{Name: "Assign", Pattern: `[A-Za-z_][A-Za-z0-9_]*(?:\[[^\]\n]*\])?\+?=`, Action: lexer.Push("Value")},
	}, wordRules...),
	// Value ends at the first blank, newline or `;`, which pop back to Root.
	"Value": append([]lexer.Rule{
		{Name: "ListOpen", Pattern: `\(`, Action: lexer.Push("List")},
		{Name: "Blank", Pattern: `[ \t\r]+`, Action: lexer.Pop()},
		{Name: "NL", Pattern: `\n`, Action: lexer.Pop()},
		{Name: "Semi", Pattern: `;`, Action: lexer.Pop()},
		// `#` is text inside an assigned value (A=#1 is "#1").
		{Name: "HashLit", Pattern: "#[^" + notLit + "]*"},
	}, wordRules...),
	"List": append([]lexer.Rule{
		{Name: "ListClose", Pattern: `\)`, Action: lexer.Pop()},
		{Name: "Comment", Pattern: `#[^\n]*`},
		{Name: "NL", Pattern: `\n`},
		{Name: "Semi", Pattern: `;`},
		{Name: "Blank", Pattern: `[ \t\r]+`},
	}, wordRules...),
	"DQ": {
		{Name: "DQClose", Pattern: `"`, Action: lexer.Pop()},
		{Name: "DQEscape", Pattern: `\\[\s\S]`},
		{Name: "Backslash", Pattern: `\\`},
		{Name: "Arith", Pattern: `\$\(\(`},
		{Name: "CmdSubst", Pattern: "\\$\\(|`"},
		{Name: "Brace", Pattern: `\$\{[^}\n]*\}?`},
		{Name: "Var", Pattern: `\$[A-Za-z_][A-Za-z0-9_]*`},
		{Name: "Special", Pattern: `\$[0-9@*#?$!-]`},
		{Name: "Dollar", Pattern: `\$`},
		{Name: "DQLit", Pattern: "[^\"\\\\$`]+"},
	},
})

// tokType names token types so the evaluator can switch on them.
type tokType int

const (
	tEOF tokType = iota
	tComment
	tNL
	tSemi
	tBlank
	tAssign
	tListOpen
	tListClose
	tHashLit
	tSQ
	tUnSQ
	tDQOpen
	tDQClose
	tDQEscape
	tDQLit
	tArith
	tCmdSubst
	tBrace
	tVar
	tSpecial
	tDollar
	tEscape
	tBackslash
	tMeta
	tLit
)

var tokNames = map[string]tokType{
	"Comment": tComment, "NL": tNL, "Semi": tSemi, "Blank": tBlank, "Assign": tAssign,
	"ListOpen": tListOpen, "ListClose": tListClose, "HashLit": tHashLit,
	"SQ": tSQ, "UnSQ": tUnSQ, "DQOpen": tDQOpen, "DQClose": tDQClose, "DQEscape": tDQEscape, "DQLit": tDQLit,
	"Arith": tArith, "CmdSubst": tCmdSubst, "Brace": tBrace, "Var": tVar, "Special": tSpecial,
	"Dollar": tDollar, "Escape": tEscape, "Backslash": tBackslash, "Meta": tMeta, "Lit": tLit,
}

var tokTypes = func() map[lexer.TokenType]tokType {
	m := map[lexer.TokenType]tokType{lexer.EOF: tEOF}
	for name, tt := range shellLexer.Symbols() {
		if t, ok := tokNames[name]; ok {
			m[tt] = t
		}
	}
	return m
}()

type token struct {
	typ  tokType
	text string
	pos  Pos
}

// tokenize lexes the whole file; the last token is always tEOF.
func tokenize(name string, src []byte) ([]token, error) {
	lx, err := shellLexer.LexString(name, string(src))
	if err != nil {
		return nil, err
	}
	var out []token
	for {
		t, err := lx.Next()
		if err != nil {
			// Unreachable by construction (every byte lexes); still a
			// positioned error rather than a panic.
			if le, ok := err.(*lexer.Error); ok {
				return nil, &Error{Pos{name, le.Pos.Line, le.Pos.Column}, le.Msg}
			}
			return nil, err
		}
		tt, ok := tokTypes[t.Type]
		if !ok {
			return nil, &Error{Pos{name, t.Pos.Line, t.Pos.Column}, "internal: unknown token"}
		}
		out = append(out, token{typ: tt, text: t.Value, pos: Pos{name, t.Pos.Line, t.Pos.Column}})
		if tt == tEOF {
			return out, nil
		}
	}
}
