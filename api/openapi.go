package api

import (
	"encoding"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cxzy/ledger/domain"
	"github.com/cxzy/ledger/seal"
)

// OpenAPI returns the API's OpenAPI 3 document. It is built from the
// routes themselves (the command bodies from their Go types), so no route
// can go undocumented; api/openapi.json is the checked-in copy, which a
// test keeps equal to it.
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
	plain := func(summary string) map[string]any {
		return map[string]any{"get": map[string]any{"summary": summary, "security": []any{},
			"responses": map[string]any{"200": map[string]any{"description": "OK"}}}}
	}
	paths := map[string]any{
		"/healthz":      plain("Liveness: 200 while the process serves requests."),
		"/readyz":       plain("Readiness: 200 only when the event log and ClickHouse answer; shows the projector's lag (503 otherwise)."),
		"/metrics":      plain("Prometheus metrics."),
		"/openapi.json": plain("This document."),
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
			"summary": "Development only (ledgerd --dev-login, loopback): mint a token for any principal, for the console's login page",
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
		ok := func(t reflect.Type, codes ...int) map[string]any {
			responses := problems(codes...)
			responses["200"] = map[string]any{"description": "OK",
				"content": map[string]any{"application/json": map[string]any{"schema": schemaOf(t, 0)}}}
			return responses
		}
		public := []any{}
		cp := reflect.TypeFor[seal.Checkpoint]()
		paths["/v1/checkpoints/keys"] = map[string]any{"get": map[string]any{"summary": "The Ed25519 verifier keys checkpoints are signed with, the current one first (public)",
			"security": public, "responses": ok(reflect.TypeFor[KeysAnswer]())}}
		paths["/v1/checkpoints/latest"] = map[string]any{"get": map[string]any{"summary": "The latest signed checkpoint (public)",
			"security": public, "responses": ok(cp, 404)}}
		paths["/v1/checkpoints/{size}"] = map[string]any{"get": map[string]any{"summary": "The signed checkpoint of exactly size events (public)",
			"security": public, "parameters": []any{pathParam("size")}, "responses": ok(cp, 400, 404)}}
		paths["/v1/checkpoints"] = map[string]any{"post": map[string]any{"summary": "Seal a checkpoint now (or answer the latest if nothing is new)",
			"x-roles": sealRoles, "responses": ok(cp, 401, 403)}}
		paths["/v1/proofs/consistency"] = map[string]any{"get": map[string]any{"summary": "Consistency proof between two tree sizes (public)",
			"security": public, "parameters": []any{qp("from", "integer", "the earlier size"), qp("to", "integer", "the later size")},
			"responses": ok(reflect.TypeFor[seal.Consistency](), 400, 404)}}
		paths["/v1/proofs/inclusion"] = map[string]any{"get": map[string]any{"summary": "Inclusion proof of one event in a checkpoint (the latest, or size)",
			"x-roles": historyRoles, "parameters": []any{qp("stream", "string", "the event's stream"), qp("version", "integer", "the event's version"),
				qp("size", "integer", "a checkpoint size (default: the latest)")},
			"responses": ok(reflect.TypeFor[InclusionAnswer](), 400, 401, 403, 404, 409)}}
		paths["/v1/evidence/streams/{stream}"] = map[string]any{"get": map[string]any{
			"summary": "Evidence pack of a whole stream (a rectification, a pledge...): its events up to a checkpoint with their inclusion proofs; verify offline with ledgerctl verify-pack",
			"x-roles": historyRoles, "parameters": []any{pathParam("stream"), qp("size", "integer", "a checkpoint size (default: the latest)"),
				qp("since", "integer", "the size of a checkpoint you hold: the pack then proves its checkpoint extends it")},
			"responses": ok(reflect.TypeFor[seal.Pack](), 400, 401, 403, 404, 409)}}
		paths["/v1/evidence/units/{unit}"] = map[string]any{"get": map[string]any{
			"summary": "Evidence pack of a unit and the units below it for a period: the events recorded in [from, to) that a checkpoint seals, with their inclusion proofs",
			"x-roles": historyRoles, "parameters": []any{pathParam("unit"), qp("from", "string", "start of the period (RFC 3339 or a date)"),
				qp("to", "string", "end of the period, excluded"), qp("size", "integer", "a checkpoint size (default: the latest)"),
				qp("since", "integer", "the size of a checkpoint you hold")},
			"responses": ok(reflect.TypeFor[seal.Pack](), 400, 401, 403, 404, 422)}}
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
	if s.Admin != nil {
		responses := problems(400, 401, 403, 409, 413, 415, 422)
		responses["201"] = map[string]any{"description": "Snapshot written; its directory and manifest",
			"content": map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeFor[SnapshotTaken](), 0)}}}
		paths["/v1/admin/snapshots"] = map[string]any{"post": map[string]any{
			"summary": "Online snapshot of the embedded event log (Pebble checkpoint and manifest) into a new directory on the server; " +
				"always under <data-dir>/snapshots/: dir names the new directory there (one name, no path), default the UTC time. Restore with ledgerctl restore.",
			"x-roles":     adminRoles,
			"requestBody": map[string]any{"required": false, "content": map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeFor[SnapshotRequest](), 0)}}},
			"responses":   responses,
		}}
	}
	if s.Evidence != nil {
		header := func(name, desc string) map[string]any {
			return map[string]any{"name": name, "in": "header", "description": desc, "schema": map[string]any{"type": "string"}}
		}
		binary := map[string]any{"type": "string", "format": "binary"}
		ref := map[string]any{"description": "The reference to cite in a command's evidence list; header Location is the file's URL",
			"content": map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeFor[domain.Evidence](), 0)}}}
		upload := problems(400, 401, 403, 413, 415, 422, 503)
		upload["201"] = ref
		upload["200"] = map[string]any{"description": "Uploaded before by the same caller for the same unit: the same reference, nothing new recorded",
			"content": ref["content"]}
		paths["/v1/evidence"] = map[string]any{"post": map[string]any{
			"summary": "Upload an evidence file (a photo, PDF or office document): the raw body named by Content-Disposition, or the part named file of a multipart form. " +
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
				"application/octet-stream": map[string]any{"schema": binary},
				"multipart/form-data": map[string]any{"schema": map[string]any{"type": "object", "required": []any{"file"},
					"properties": map[string]any{"file": binary}, "additionalProperties": false}},
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
			accepted := map[string]any{"description": "Recorded (or, for a retried Idempotency-Key, recorded before)",
				"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Accepted"}}}}
			op := map[string]any{
				"summary":     "Command " + strings.TrimPrefix(rt.Pattern, "/v1/"),
				"x-roles":     rt.Roles,
				"requestBody": map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": schemaOf(rt.Handler.Body, 0)}}},
				"parameters": []any{
					map[string]any{"name": "Idempotency-Key", "in": "header", "schema": map[string]any{"type": "string"}},
					map[string]any{"name": "If-Match", "in": "header", "schema": map[string]any{"type": "string"}},
				},
				"responses": responses,
			}
			if strings.Contains(rt.Pattern, "{id}") {
				op["parameters"] = append(op["parameters"].([]any), pathParam("id"))
				responses["200"] = accepted
			} else {
				responses["201"] = accepted
				responses["200"] = accepted
			}
			paths[rt.Pattern] = map[string]any{"post": op}
		}
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "cxzy ledger", "version": "1",
			"description": "Event-sourced audit ledger of the 创先争优 campaign. Errors are RFC 9457 problem+json naming the field at fault. " +
				"Query parameters are strict: a pair that does not parse, an unknown parameter and a single-valued one given twice are 400. " +
				"Every answer carries X-Content-Type-Options: nosniff and Cache-Control: no-store."},
		"paths":    paths,
		"security": []any{map[string]any{"bearer": []any{}}},
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
			"schemas": map[string]any{
				"Problem":  schemaOf(reflect.TypeFor[Problem](), 0),
				"Accepted": schemaOf(reflect.TypeFor[Accepted](), 0),
			},
		},
	}
}

func pathParam(name string) map[string]any {
	return map[string]any{"name": name, "in": "path", "required": true, "schema": map[string]any{"type": "string"}}
}

func itoaInt(v int) string { return strconv.Itoa(v) }

var (
	textType = reflect.TypeFor[encoding.TextUnmarshaler]()
	timeType = reflect.TypeFor[time.Time]()
)

// schemaOf describes a Go type as a JSON schema, by its JSON encoding.
func schemaOf(t reflect.Type, depth int) map[string]any {
	if depth > 8 {
		return map[string]any{}
	}
	if t == timeType {
		return map[string]any{"type": "string", "format": "date-time"}
	}
	if reflect.PointerTo(t).Implements(textType) {
		return map[string]any{"type": "string"}
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
			return map[string]any{"type": "string"}
		}
		return map[string]any{"type": "array", "items": schemaOf(t.Elem(), depth+1)}
	case reflect.Map:
		return map[string]any{"type": "object"}
	case reflect.Struct:
		props := map[string]any{}
		addFields(t, props, depth)
		return map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	}
	return map[string]any{}
}

// addFields adds a struct's JSON fields, flattening embedded structs as
// encoding/json does.
func addFields(t reflect.Type, props map[string]any, depth int) {
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct && !reflect.PointerTo(f.Type).Implements(textType) {
			addFields(f.Type, props, depth)
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = schemaOf(f.Type, depth+1)
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
