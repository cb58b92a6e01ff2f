package api

import (
	"encoding"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/report"
	"github.com/cxzy/ledger/seal"
)

// OpenAPI returns the API's OpenAPI 3 document. It is built from the
// routes themselves (the command bodies from their Go types), so no route
// can go undocumented; api/openapi.json is the checked-in copy, which a
// test keeps equal to it.
// keyedCreates are the routes on an item named by its key ({id}) that
// create it when nothing holds the key yet: accepting the computed ranking
// of an area and month publishes its first revision (201), a later
// acceptance a new revision (200).
var keyedCreates = map[string]bool{"/v1/rankings/{id}/accept": true}

func (s *Server) OpenAPI() map[string]any {
	problem := map[string]any{"$ref": "#/components/schemas/Problem"}
	problems := func(codes ...int) map[string]any {
		out := map[string]any{}
		if slices.Contains(codes, http.StatusUnauthorized) {
			// Every route behind a token may answer 429 (with
			// Retry-After) to an address that failed authentication too
			// often, or to a subject past its expensive reads.
			codes = append(codes, http.StatusTooManyRequests)
		}
		for _, c := range codes {
			out[itoaInt(c)] = map[string]any{"description": http.StatusText(c),
				"content": map[string]any{"application/problem+json": map[string]any{"schema": problem}}}
		}
		return out
	}
	plain := func(summary, answer, mediaType string, schema map[string]any) map[string]any {
		return map[string]any{"get": map[string]any{"summary": summary, "security": []any{},
			"responses": map[string]any{"200": map[string]any{"description": answer,
				"content": map[string]any{mediaType: map[string]any{"schema": schema}}}}}}
	}
	status := func(description string) map[string]any {
		return map[string]any{"type": "string", "description": description}
	}
	ready := map[string]any{"type": "object", "required": []any{"status", "checks"}, "properties": map[string]any{
		"status": status("ready, or not ready (then the answer is 503 with the same shape)"),
		"checks": map[string]any{"type": "object", "description": "each readiness check by name: ok, error when it fails, details (the projector's position and lag)",
			"additionalProperties": map[string]any{"type": "object", "required": []any{"ok"}, "properties": map[string]any{
				"ok":      map[string]any{"type": "boolean", "description": "whether the check holds"},
				"error":   status("why it does not"),
				"details": map[string]any{"type": "object", "description": "what the check shows, such as the projector's position and lag"},
			}}},
	}}
	paths := map[string]any{
		"/healthz": plain("Liveness: 200 while the process serves requests.", "The process serves requests", "application/json",
			map[string]any{"type": "object", "required": []any{"status"}, "properties": map[string]any{"status": status("always ok")}}),
		"/readyz": plain("Readiness: 200 only when the event log and ClickHouse answer; shows the projector's lag (503 otherwise).",
			"Ready: every check holds", "application/json", ready),
		"/metrics": plain("Prometheus metrics.", "The metrics in the Prometheus text format", "text/plain",
			map[string]any{"type": "string", "description": "Prometheus text exposition format"}),
		"/openapi.json": plain("This document.", "This OpenAPI 3 document", "application/json",
			map[string]any{"type": "object", "description": "an OpenAPI 3.0 document"}),
	}
	if s.Verifier != nil {
		responses := problems(401)
		responses["200"] = map[string]any{"description": "Who the token acts as, and the deployment's zone",
			"content": map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeFor[WhoAmI](), 0)}}}
		paths["/v1/whoami"] = map[string]any{"get": map[string]any{
			"summary":   "The caller's subject, roles and scope from its token, and the zone business days are counted in (the console's first call)",
			"x-roles":   Roles,
			"responses": responses,
		}}
	}
	if s.DevTokens != nil {
		responses := problems(400, 415, 422)
		responses["200"] = map[string]any{"description": "A development token",
			"content": map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeFor[DevToken](), 0)}}}
		paths["/v1/dev/tokens"] = map[string]any{"post": map[string]any{
			"summary":  "Development only (ledgerd --dev-login, loopback): mint a token for any principal, for the console's login page",
			"security": []any{},
			"requestBody": map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{
				"schema": schemaOf(reflect.TypeFor[DevTokenRequest](), 0)}}},
			"responses": responses,
		}}
	}
	if s.History != nil {
		responses := problems(400, 401, 403, 404)
		responses["200"] = map[string]any{"description": "The stream's events, its hash chain checked, and the entity's state folded from them (null before its first event)",
			"content": map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeFor[StreamHistory](), 0)}}}
		paths["/v1/history/{stream}"] = map[string]any{"get": map[string]any{
			"summary": "Audit history of a stream, from the event log, as of a moment: its events and the state of its entity (a rectification, a pledge...) " +
				"rebuilt from them by the domain's own aggregate, with its state name",
			"x-roles": historyRoles,
			"parameters": []any{pathParam("stream"), map[string]any{"name": "as_of", "in": "query", "schema": map[string]any{"type": "string", "format": "date-time"},
				"description": "what the ledger knew at this moment (RFC 3339): the events recorded by then and the state they fold to; " +
					"before the stream's first event, no events and a null state (200)"}},
			"responses": responses,
		}}
		query := func(name, format, description string) map[string]any {
			schema := map[string]any{"type": "string"}
			if format == "integer" {
				schema = map[string]any{"type": "integer", "minimum": 1, "maximum": maxAuditLimit, "default": defaultAuditLimit}
			} else if format != "" {
				schema["format"] = format
			}
			return map[string]any{"name": name, "in": "query", "schema": schema, "description": description}
		}
		audit := problems(400, 401, 403, 404)
		audit["200"] = map[string]any{"description": "Matching events in global order, with hash and prev_hash; the cursor to continue after",
			"content": map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeFor[AuditEvents](), 0)}}}
		paths["/v1/audit/events"] = map[string]any{"get": map[string]any{
			"summary": "Audit search of the event log (never ClickHouse) by actor, unit subtree, recorded time and type, within the caller's scope. " +
				"The log has no index by actor or unit: one request reads at most a budget of events (100,000) and returns the cursor where it stopped, " +
				"even with fewer than limit events or none; follow next until it is empty.",
			"x-roles": historyRoles,
			"parameters": []any{
				query("actor", "", "the subject who recorded the events"),
				query("unit", "", "a unit: its events and those of its whole subtree, by the tree as it stands now"),
				query("from", "date-time", "recorded at or after (RFC 3339)"),
				query("to", "date-time", "recorded before (RFC 3339): the range is [from, to)"),
				query("type", "", "event type prefix, such as pledge."),
				query("after", "", "opaque cursor: next of the previous page"),
				query("limit", "integer", "most events in the answer"),
			},
			"responses": audit,
		}}
	}
	if s.Seals != nil {
		qp := func(name, typ, desc string) map[string]any {
			return map[string]any{"name": name, "in": "query", "description": desc, "schema": map[string]any{"type": typ}}
		}
		ok := func(t reflect.Type, what string, codes ...int) map[string]any {
			responses := problems(codes...)
			responses["200"] = map[string]any{"description": what,
				"content": map[string]any{"application/json": map[string]any{"schema": schemaOf(t, 0)}}}
			return responses
		}
		public := []any{}
		cp := reflect.TypeFor[seal.Checkpoint]()
		paths["/v1/checkpoints/keys"] = map[string]any{"get": map[string]any{"summary": "The Ed25519 verifier keys checkpoints are signed with, the current one first (public)",
			"security": public, "responses": ok(reflect.TypeFor[KeysAnswer](), "The verifier keys")}}
		paths["/v1/checkpoints/latest"] = map[string]any{"get": map[string]any{"summary": "The latest signed checkpoint (public)",
			"security": public, "responses": ok(cp, "The latest signed checkpoint", 404)}}
		paths["/v1/checkpoints/{size}"] = map[string]any{"get": map[string]any{"summary": "The signed checkpoint of exactly size events (public)",
			"security": public, "parameters": []any{pathParam("size")}, "responses": ok(cp, "The signed checkpoint of that size", 400, 404)}}
		sealNow := ok(cp, "The checkpoint sealed now, or the latest if nothing is new", 401, 403, 503)
		paths["/v1/checkpoints"] = map[string]any{"post": map[string]any{"summary": "签名检查点 · Seal a checkpoint now (or answer the latest if nothing is new)",
			"description": "无请求体（发送的任何请求体都被忽略）。只有持有签名密钥的副本签名，其他副本答 503。 " +
				"No request body (any body sent is ignored). Only the replica holding the signing key seals; another answers 503.",
			"x-roles": sealRoles, "responses": sealNow}}
		paths["/v1/proofs/consistency"] = map[string]any{"get": map[string]any{"summary": "Consistency proof between two tree sizes (public)",
			"security": public, "parameters": []any{qp("from", "integer", "the earlier size"), qp("to", "integer", "the later size")},
			"responses": ok(reflect.TypeFor[seal.Consistency](), "The consistency proof", 400, 404)}}
		paths["/v1/proofs/inclusion"] = map[string]any{"get": map[string]any{"summary": "Inclusion proof of one event in a checkpoint (the latest, or size)",
			"x-roles": historyRoles, "parameters": []any{qp("stream", "string", "the event's stream"), qp("version", "integer", "the event's version"),
				qp("size", "integer", "a checkpoint size (default: the latest)")},
			"responses": ok(reflect.TypeFor[InclusionAnswer](), "The event and its inclusion proof", 400, 401, 403, 404, 409)}}
		paths["/v1/evidence/streams/{stream}"] = map[string]any{"get": map[string]any{
			"summary": "Evidence pack of a whole stream (a rectification, a pledge...): its events up to a checkpoint with their inclusion proofs; verify offline with ledgerctl verify-pack",
			"x-roles": historyRoles, "parameters": []any{pathParam("stream"), qp("size", "integer", "a checkpoint size (default: the latest)"),
				qp("since", "integer", "the size of a checkpoint you hold: the pack then proves its checkpoint extends it")},
			"responses": ok(reflect.TypeFor[seal.Pack](), "The evidence pack of the stream", 400, 401, 403, 404, 409)}}
		paths["/v1/evidence/units/{unit}"] = map[string]any{"get": map[string]any{
			"summary": "Evidence pack of a unit and the units below it for a period: the events recorded in [from, to) that a checkpoint seals, with their inclusion proofs",
			"x-roles": historyRoles, "parameters": []any{pathParam("unit"), qp("from", "string", "start of the period (RFC 3339 or a date)"),
				qp("to", "string", "end of the period, excluded"), qp("size", "integer", "a checkpoint size (default: the latest)"),
				qp("since", "integer", "the size of a checkpoint you hold")},
			"responses": ok(reflect.TypeFor[seal.Pack](), "The evidence pack of the unit's subtree for the period", 400, 401, 403, 404, 422)}}
	}
	if s.Reads != nil {
		for _, rt := range ReadRoutes() {
			responses := problems(400, 401, 403, 503)
			content := map[string]any{"application/json": map[string]any{"schema": schemaOf(rt.Result, 0)}}
			if rt.CSV {
				content["text/csv"] = map[string]any{"schema": map[string]any{"type": "string",
					"description": "format=csv: UTF-8 with a byte-order mark; Chinese headers with label and name columns, or with headers=keys the JSON names of the items (see headers)"}}
				content[xlsxType] = map[string]any{"schema": map[string]any{"type": "string", "format": "binary",
					"description": "format=xlsx: one sheet named after the list, a bold frozen header row (as for CSV, see headers), times and dates as dates in the deployment's zone"}}
			}
			responses["200"] = map[string]any{"description": "OK; header X-Projection-Position is the projections' position", "content": content}
			var ps []any
			if strings.Contains(rt.Pattern, "{group}") {
				ps = append(ps, pathParam("group"))
			}
			for _, p := range rt.Params {
				schema := map[string]any{"type": p.Type}
				if p.Repeat {
					schema = map[string]any{"type": "array", "items": schema}
				}
				ps = append(ps, map[string]any{"name": p.Name, "in": "query", "description": p.Description, "schema": schema,
					"style": "form", "explode": p.Repeat})
			}
			paths[rt.Pattern] = map[string]any{"get": map[string]any{
				"summary": rt.Summary, "x-roles": rt.Roles, "parameters": ps, "responses": responses,
			}}
		}
	}
	if s.Reports != nil {
		responses := problems(400, 401, 403, 404, 500, 503)
		responses["200"] = map[string]any{
			"description": "The summary at the latest signed checkpoint; header X-Report-Disagreements counts the figures where ClickHouse and the log differ " +
				"(each marked in place of a number), X-Report-Checkpoint the checkpoint's size",
			"content": map[string]any{
				"text/markdown": map[string]any{"schema": map[string]any{"type": "string",
					"description": "format=md (default): Markdown with footnotes; every figure footnoted with its SQL, the database and the checkpoint"}},
				"text/html": map[string]any{"schema": map[string]any{"type": "string",
					"description": "format=html: one page for A4 printing (no script, nothing fetched), the quarterly trends as SVG charts"}},
				xlsxType: map[string]any{"schema": map[string]any{"type": "string", "format": "binary",
					"description": "format=xlsx: one sheet, 数字及出处: a row per figure, rate and trend cell with its SQL, database and checkpoint"}},
				"application/json": map[string]any{"schema": schemaOf(reflect.TypeFor[report.Report](), 0)},
			}}
		responses["500"] = map[string]any{"description": "Type /problems/integrity: the log's events do not have the signed checkpoint's root",
			"content": map[string]any{"application/problem+json": map[string]any{"schema": problem}}}
		var ps []any
		for _, p := range reportParams {
			ps = append(ps, map[string]any{"name": p.Name, "in": "query", "description": p.Description, "schema": map[string]any{"type": p.Type}})
		}
		paths["/v1/reports/annual"] = map[string]any{"get": map[string]any{
			"summary": "The year-end summary (创先争优工作总结) in the district's own structure, every blank the ledger knows filled and the others named 〔未记录〕: " +
				"each figure computed at the latest signed checkpoint in ClickHouse (its SQL bounded to the checkpoint's events, once the projections reach it) " +
				"and again from the log in Go, printed where the two agree, footnoted with the SQL and the checkpoint. An area's summary with area=. " +
				"Office and analysts only; an expensive read",
			"x-roles": reportRoles, "parameters": ps, "responses": responses,
		}}
	}
	if s.Admin != nil {
		responses := problems(400, 401, 403, 409, 413, 415, 422)
		responses["201"] = map[string]any{"description": "Snapshot written; its directory and manifest",
			"content": map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeFor[SnapshotTaken](), 0)}}}
		paths["/v1/admin/snapshots"] = map[string]any{"post": map[string]any{
			"summary": commandDocs["/v1/admin/snapshots"].Summary,
			"description": "Online snapshot of the embedded event log (Pebble checkpoint and manifest) into a new directory on the server; " +
				"always under <data-dir>/snapshots/: dir names the new directory there (one name, no path), default the UTC time. Restore with ledgerctl restore. " +
				"The body is optional: none is the same as {}.",
			"x-roles":     adminRoles,
			"requestBody": map[string]any{"required": false, "content": map[string]any{"application/json": jsonBody(reflect.TypeFor[SnapshotRequest](), "/v1/admin/snapshots")}},
			"responses":   responses,
		}}
	}
	if s.Evidence != nil {
		header := func(name, desc string) map[string]any {
			return map[string]any{"name": name, "in": "header", "description": desc, "schema": map[string]any{"type": "string"}}
		}
		binary := map[string]any{"type": "string", "format": "binary"}
		file := map[string]any{"type": "string", "format": "binary", "title": "佐证材料文件",
			"description": "照片（JPEG、PNG 等）、PDF 或办公文档；服务器按内容识别类型，扩展名须与之相符，含宏的文档被拒绝。 " +
				"A photo, PDF or office document; the server sniffs the type from the bytes, the name's extension must fit it, and documents with macros are refused."}
		ref := map[string]any{"description": "The reference to cite in a command's evidence list; header Location is the file's URL",
			"content": map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeFor[domain.Evidence](), 0)}}}
		upload := problems(400, 401, 403, 413, 415, 422, 503)
		upload["201"] = ref
		upload["200"] = map[string]any{"description": "Uploaded before by the same caller for the same unit: the same reference, nothing new recorded",
			"content": ref["content"]}
		paths["/v1/evidence"] = map[string]any{"post": map[string]any{
			"summary": "上传佐证材料 · Upload an evidence file",
			"description": "上传照片、PDF 或办公文档，返回供命令引用的佐证材料引用（原样放入命令的 evidence 列表）。 " +
				"Upload an evidence file (a photo, PDF or office document): the raw body named by Content-Disposition, or the part named file of a multipart form. " +
				"The server computes the SHA-256 and sniffs the media type from the bytes; the upload is recorded as an evidence.uploaded event. " +
				"Limits: the size (413), the media types (415), the unit's quota (413, type /problems/evidence-quota). An upload no event cites is collected after the grace period.",
			"x-roles": uploadRoles,
			"parameters": []any{
				map[string]any{"name": "unit", "in": "query", "description": "the unit the file is for (required but for the office); it must be in the caller's scope",
					"schema": map[string]any{"type": "string"}},
				map[string]any{"name": "sha256", "in": "query", "description": "the SHA-256 the client expects, in hex: other bytes are refused (422), nothing kept",
					"schema": map[string]any{"type": "string"}},
				header("Content-Disposition", "raw body: attachment; filename*=UTF-8''<the name, percent-encoded>"),
				header("Content-Digest", "raw body: sha-256=:<base64>: (RFC 9530), checked like sha256"),
			},
			"requestBody": map[string]any{"required": true, "content": map[string]any{
				"application/octet-stream": map[string]any{"schema": file},
				"multipart/form-data": map[string]any{"schema": map[string]any{"type": "object", "required": []any{"file"},
					"properties": map[string]any{"file": file}, "additionalProperties": false}},
			}},
			"responses": upload,
		}}
		download := problems(400, 401, 403, 404, 412, 416, 500, 503)
		download["200"] = map[string]any{"description": "The file, with its media type; ETag is its SHA-256, Repr-Digest too (RFC 9530)",
			"content": map[string]any{"*/*": map[string]any{"schema": binary}}}
		download["206"] = map[string]any{"description": "The range asked for (Range: bytes=…)", "content": map[string]any{"*/*": map[string]any{"schema": binary}}}
		download["304"] = map[string]any{"description": "Not modified: If-None-Match named its ETag"}
		download["500"] = map[string]any{"description": "Type /problems/evidence-tampered: the stored file no longer matches its digest and is not served",
			"content": map[string]any{"application/problem+json": map[string]any{"schema": problem}}}
		paths["/v1/evidence/{sha256}"] = map[string]any{"get": map[string]any{
			"summary": "Download an evidence file, its bytes checked against its SHA-256 first. Readable by whoever may read an event citing it, " +
				"and by whoever has a standing upload of it for a unit in its scope. Out of scope and not stored are the same 403 " +
				"(the office, and a caller in scope of the file, are told 404).",
			"x-roles":    historyRoles,
			"parameters": []any{pathParam("sha256"), header("Range", "bytes=first-last"), header("If-None-Match", "the ETag held")},
			"responses":  download,
		}}
	}
	if s.Commands != nil {
		for _, rt := range s.Commands.List() {
			responses := problems(400, 401, 403, 404, 409, 412, 413, 415, 422)
			accepted := func(what string) map[string]any {
				return map[string]any{"description": what,
					"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Accepted"}}}}
			}
			op := map[string]any{
				"summary":     "Command " + strings.TrimPrefix(rt.Pattern, "/v1/"),
				"x-roles":     rt.Roles,
				"requestBody": map[string]any{"required": true, "content": map[string]any{"application/json": jsonBody(rt.Handler.Body, rt.Pattern)}},
				"parameters": []any{
					map[string]any{"name": "Idempotency-Key", "in": "header", "schema": map[string]any{"type": "string", "maxLength": 200},
						"description": "重试安全：同一调用者用同一个键重发同一请求，返回第一次的结果（duplicate: true），不重复记录；同一个键用于不同请求为 422。 " +
							"Makes a retry safe: the same caller's same key and request answer the first result (duplicate: true) and record nothing again; the key reused for another request is a 422."},
					map[string]any{"name": "If-Match", "in": "header", "schema": map[string]any{"type": "string", "pattern": `^"?[0-9]+"?$`},
						"description": "要求事件流当前版本为 N（\"N\"，取自上次应答的 last_version 或 ETag），否则 412。 Requires the stream to be at version N (\"N\", the last_version or ETag of an earlier answer), else 412."},
				},
				"responses": responses,
			}
			if d, ok := commandDocs[rt.Pattern]; ok {
				op["summary"] = d.Summary
				if d.Description != "" {
					op["description"] = d.Description
				}
			}
			if strings.Contains(rt.Pattern, "{id}") {
				op["parameters"] = append(op["parameters"].([]any), pathParam("id"))
				responses["200"] = accepted("已记录（或该 Idempotency-Key 此前已记录）：事件落在何处；响应头 ETag 为流的最新版本。 " +
					"Recorded (or, for a retried Idempotency-Key, recorded before): where the events landed; ETag is the stream's version.")
				if keyedCreates[rt.Pattern] {
					responses["201"] = accepted("已新建并记录：该键的对象此前不存在，本次为第一版（如某片区某月的第一次发布）。 " +
						"Created and recorded: nothing held the key before, this is its first revision (an area's first ranking of the month).")
				}
			} else {
				responses["201"] = accepted("已新建并记录：新对象的 id 及事件所在位置。 Created and recorded: the new entity's id and where its events landed.")
				responses["200"] = accepted("该 Idempotency-Key 此前已记录：返回第一次的结果，duplicate 为 true。 Recorded before under this Idempotency-Key: the first answer, duplicate true.")
			}
			paths[rt.Pattern] = map[string]any{"post": op}
		}
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "cxzy ledger", "version": "1",
			"description": "Event-sourced audit ledger of the 创先争优 campaign. Errors are RFC 9457 problem+json naming the field at fault. " +
				"Query parameters are strict: a pair that does not parse, an unknown parameter and a single-valued one given twice are 400. " +
				"Every answer carries X-Content-Type-Options: nosniff and Cache-Control: no-store. " +
				"Command bodies: title is a field's Chinese form label; required lists the fields the server refuses a body without " +
				"(x-required-when names a field required only in a case, which its description explains); enum values carry their Chinese meanings " +
				"in x-enum-labels; x-format names a format OpenAPI does not define (quarter 2026Q3, month 2026-08, period 2026, 2026Q3 or 2026-08); " +
				"every command has an example body the server accepts (the story of a branch's third quarter of 2026). " +
				"Unknown fields are refused (400); a body is at most 1 MiB."},
		"paths":    paths,
		"security": []any{map[string]any{"bearer": []any{}}},
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
			"schemas": map[string]any{
				"Problem": described(schemaOf(reflect.TypeFor[Problem](), 0),
					"错误说明（RFC 9457 problem+json）：type 与 status 说明问题类别，field 指出出错的请求字段，detail 说明原因。 "+
						"A problem (RFC 9457): its kind, the status, the request field at fault (the first one found) and what is wrong."),
				"Accepted": described(schemaOf(reflect.TypeFor[Accepted](), 0),
					"命令的应答：对象编号、事件流、本次记录的事件及其版本和全局位置。 A command's answer: the entity's id, its stream, the events recorded, their versions and position."),
			},
		},
	}
}

// described sets a schema's description.
func described(s map[string]any, description string) map[string]any {
	s["description"] = description
	return s
}

func pathParam(name string) map[string]any {
	return map[string]any{"name": name, "in": "path", "required": true, "schema": map[string]any{"type": "string"}}
}

func itoaInt(v int) string { return strconv.Itoa(v) }

// jsonBody is the media type object of a JSON request body of type t: its
// schema and, if the route has one, its example (commandDocs).
func jsonBody(t reflect.Type, pattern string) map[string]any {
	m := map[string]any{"schema": schemaOf(t, 0)}
	if d, ok := commandDocs[pattern]; ok && d.Example != "" {
		var example any
		if err := json.Unmarshal([]byte(d.Example), &example); err != nil {
			panic("api: the example of " + pattern + " is not JSON: " + err.Error())
		}
		m["example"] = example
	}
	return m
}

var (
	textType = reflect.TypeFor[encoding.TextUnmarshaler]()
	timeType = reflect.TypeFor[time.Time]()
)

// schemaOf describes a Go type as a JSON schema, by its JSON encoding,
// with what the contract tables say of its fields (contract.go): titles,
// descriptions, formats, bounds, enumerations and required fields.
func schemaOf(t reflect.Type, depth int) map[string]any {
	if depth > 8 {
		return map[string]any{}
	}
	switch t {
	case timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case rawJSONType:
		return map[string]any{"type": "object"}
	}
	if reflect.PointerTo(t).Implements(textType) {
		return textSchema(t)
	}
	switch t.Kind() {
	case reflect.Pointer:
		return schemaOf(t.Elem(), depth)
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "format": "byte"} // base64
		}
		return map[string]any{"type": "array", "items": schemaOf(t.Elem(), depth+1)}
	case reflect.Map:
		return map[string]any{"type": "object"}
	case reflect.Struct:
		props := map[string]any{}
		var required []any
		addFields(t, props, &required, depth)
		s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
		if len(required) > 0 {
			s["required"] = required
		}
		return s
	}
	return map[string]any{}
}

// addFields adds a struct's JSON fields, flattening embedded structs as
// encoding/json does, each with its documentation (fieldDocs under the
// type that declares it); required collects those the server requires.
func addFields(t reflect.Type, props map[string]any, required *[]any, depth int) {
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct && !reflect.PointerTo(f.Type).Implements(textType) {
			addFields(f.Type, props, required, depth)
			continue
		}
		if name == "" {
			name = f.Name
		}
		s := schemaOf(f.Type, depth+1)
		if d, ok := docOf(t, name); ok {
			d.apply(s)
			if d.Required || d.Present {
				*required = append(*required, name)
			}
		}
		props[name] = s
	}
}

// Operations lists "METHOD path" of every operation in an OpenAPI document.
func Operations(doc map[string]any) []string {
	var out []string
	for path, ops := range doc["paths"].(map[string]any) {
		for method := range ops.(map[string]any) {
			out = append(out, strings.ToUpper(method)+" "+path)
		}
	}
	slices.Sort(out)
	return out
}
