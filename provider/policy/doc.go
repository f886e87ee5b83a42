// Package policy evaluates IAM-style JSON policy documents for a KMS: the
// grammar Huawei IAM and AWS IAM share (Effect, Principal, Action,
// Resource, Condition), checked once against what the KMS knows and then
// evaluated on every request without allocating.
//
// For ecdkp's provider, Parse (or LoadAuthorizer) compiles a document
// against KMSSchema, the provider's actions and condition keys, and
// returns an Authorizer to give provider.WithAuthorizer: it refuses at the
// provider's early phases what Precheck refuses and allows at the last
// only what Evaluate allows, and Reload swaps its policy atomically.
//
// The engine itself knows no KMS: an embedder describes its actions and
// condition keys in a Schema, compiles each policy file at start with
// Compile (a document that does not parse, or that names anything the
// Schema does not know, is refused with a *ParseError naming the
// statement), and asks Policy.Evaluate (or Set.Evaluate, for several
// documents), and Precheck when some condition keys are not known yet.
//
// # Grammar
//
//	{
//	  "Version": "1.1" | "2012-10-17",
//	  "Id": "optional",
//	  "Statement": statement | [statement, ...]            (at least one)
//	}
//	statement = {
//	  "Sid": "letters, digits, - _ .",                     (optional, unique)
//	  "Effect": "Allow" | "Deny",
//	  "Principal": "*" | {"ecdkp": pattern | [pattern, ...]}, (optional)
//	  "Action" | "NotAction": pattern | [pattern, ...],    (exactly one)
//	  "Resource" | "NotResource": pattern | [pattern, ...],(optional: all)
//	  "Condition": {"Operator": {"key": value | [value, ...], ...}, ...}
//	}
//
// Field names are case-sensitive ("effect" is refused, with a hint), JSON
// duplicate keys and unknown fields are refused, and the document must be
// valid UTF-8 with nothing after it. A pattern is a string in which '*'
// matches any run of characters and '?' one character; there is no escape,
// and policy variables (${...}) are refused.
//
// Principal: absent, "*", or a "*" pattern means any caller the KMS has
// authenticated (the policy does not authenticate; Request.Principal is
// whoever the KMS says is calling). Otherwise the statement applies only
// to callers matching one of the patterns, case-sensitively.
//
// Action: every name must be a Schema action and every pattern must match
// at least one, so a typo is an error, not a statement that never applies.
// Actions are matched case-insensitively, as in IAM; the match is done at
// Compile, so Evaluate only looks up Request.Action (which must be spelled
// exactly as in the Schema; an unknown action is always denied). NotAction
// applies a statement to every Schema action it does not name.
//
// Resource: names are opaque to this package (the KMS chooses them, e.g.
// "kms:{project}:key/{key_id}") and matched case-sensitively; absent means
// every resource. NotResource applies a statement to every resource it
// does not match.
//
// # Conditions
//
// Operators: StringEquals, StringNotEquals, StringEqualsIgnoreCase,
// StringNotEqualsIgnoreCase, StringLike, StringNotLike (String keys);
// NumericEquals, NumericNotEquals, NumericLessThan, NumericLessThanEquals,
// NumericGreaterThan, NumericGreaterThanEquals (Numeric keys); Bool (Bool
// keys); Null (any key). Each but Null also has an ...IfExists form; the
// String and Numeric ones take the ForAnyValue: and ForAllValues:
// qualifiers. Operator names are case-sensitive. Condition key names are
// case-insensitive, as in IAM: a policy may write "KMS:keyspec", and the
// key is looked up under the Schema's spelling; a prefix key's suffix (the
// encryption context key after "kms:EncryptionContext:", a tag key) is
// kept as written, unless the Schema lists the allowed suffixes.
//
// Values: String operators take strings; Numeric ones decimal numbers,
// as JSON numbers or strings ("42", "-1.5", "1e3"; no hex, Inf or NaN);
// Bool and Null take true or false, as JSON booleans or strings. Two
// integers compare exactly; otherwise as float64. At Compile, the operator
// must fit the key's type (no StringEquals on a Numeric key), a
// multivalued key must use ForAnyValue: or ForAllValues: (or Null), and a
// single-valued key must not: AWS warns that a set qualifier on a
// single-valued key makes policies more permissive than they read, so
// here it is an error.
//
// Evaluation, following AWS's documentation of condition operators and
// multivalued context keys:
//
//   - All the operators of a Condition are ANDed, and all the keys in one
//     operator's block.
//   - The values listed for one key are ORed: the request value must match
//     one of them. A negated operator (StringNotEquals, StringNotLike,
//     NumericNotEquals...) is the negation of that OR, i.e. a NOR: the
//     request value must match none of them.
//   - A missing key (absent from Request.Context, or with no value) makes a
//     positive operator false and a negated operator true (AWS: "If the
//     policy condition requires that the key is not matched, such as
//     StringNotLike, and the right key is not present, the condition is
//     true"). With IfExists, a missing key makes any operator true; when
//     the key is present, IfExists changes nothing.
//   - Null true holds when the key is missing; Null false when it is present.
//   - ForAnyValue: holds when at least one request value passes the
//     operator (a negated one included); it is false for a missing key.
//     ForAllValues: holds when every request value passes; it is true for
//     a missing key or an empty set: pair it with Null false in an Allow.
//   - A request value that is not a number matches no numeric value, so a
//     positive numeric operator is false and NumericNotEquals true; a value
//     other than "true" or "false" (any case) makes Bool false. Should a
//     single-valued key carry several values, a positive operator holds if
//     one of them matches and a negated one if none does.
//
// # Evaluation order
//
// Evaluate checks every Deny statement first: the first that matches (in
// document order) decides, an explicit deny. Else the first matching
// Allow decides. Else the request is denied by default (ImplicitDeny). A
// statement matches when its Action, Principal, Resource and Condition
// all do. Set.Evaluate does the same over several policies (any Deny in
// any policy wins). The Decision names the deciding statement by Sid, or
// "#<index>" (from 0) when it has none, which is also how a ParseError
// numbers statements.
package policy
