using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using CsCheck;
using SkillInference.Tests.Host;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Security;

/// <summary>
/// Hostile input, generated: thousands of requests to every endpoint with malformed JSON, wrong types, extreme
/// numbers, huge arrays, deep nesting, odd unicode, duplicate keys, truncated and corrupted bodies, wrong content
/// types and methods. The host never answers 5xx, and every 4xx is an RFC 9457 problem details body whose status is
/// the response's. (A NUL in the path is left out: the in-memory test server refuses it before the host sees it; Kestrel
/// answers 400.)
/// </summary>
[TestClass]
public sealed class HttpApiPropertyTests
{
    private static readonly string[] Skills = [.. SampleStore.Catalog.Skills.Select(s => s.Id)];

    private static readonly string[] FeatureNames = [.. SampleStore.Catalog.Skills.SelectMany(s => s.Schema.Features.Select(f => f.Name)).Distinct()];

    private static readonly Gen<string> Text = Gen.Frequency(
        (4, (IGen<string>)Gen.String[0, 12]),
        (2, Gen.Char.Array[0, 40].Select(c => new string(c))),
        (1, Gen.OneOf("", " ", "S0000042", "\u202e\u0000", "😀😀", "\ud800", "a\"b\\c", new string('x', 129), new string('é', 5000), "../../etc/passwd", "%00", "1.0.0", "999.999.999", "-1")));

    private static readonly Gen<string> Number = Gen.Frequency(
        (4, (IGen<string>)Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "1e400")),
        (2, Gen.Int.Select(i => i.ToString(CultureInfo.InvariantCulture))),
        (2, Gen.OneOf("1e309", "-1e309", "NaN", "Infinity", "-Infinity", "-0", "1E-400", "123456789012345678901234567890", "0x10", "01", "1.", ".5", "+1", "1e", "9007199254740993")));

    private static readonly Gen<string> Scalar = Gen.Frequency(
        (1, (IGen<string>)Gen.OneOf("null", "true", "false", "nul", "True")),
        (3, Number),
        (3, Text.Select(s => JsonSerializer.Serialize(s))),
        (1, Gen.OneOf("\"\\ud800\"", "\"\\u0000\"", "\"unterminated", "'single'", "\"\\x41\"")));

    private static readonly Gen<string> Key = Gen.Frequency(
        (3, (IGen<string>)Gen.OneOf("skill", "features", "studentId", "explain", "items", "version", "reason", "variants", "weight")),
        (2, Gen.OneOf(FeatureNames)),
        (1, Text));

    private static readonly Gen<string> Json = Value(4);

    private static readonly Gen<string> Features = Gen.Select(Gen.OneOf(FeatureNames), Gen.Frequency((4, (IGen<string>)Number), (1, Scalar))).Array[0, 14]
        .Select(kvs => "{" + string.Join(',', kvs.Select(kv => JsonSerializer.Serialize(kv.Item1) + ":" + kv.Item2)) + "}");

    private static readonly Gen<string> SkillValue = Gen.Frequency((4, (IGen<string>)Gen.OneOf(Skills)), (1, Text)).Select(s => JsonSerializer.Serialize(s));

    private static readonly Gen<string> InferBody = Gen.Select(SkillValue, Features, Gen.Frequency((3, (IGen<string>)Text.Select(s => JsonSerializer.Serialize(s))), (1, Scalar)), Gen.OneOf("true", "false", "1", "\"yes\""), Gen.Bool)
        .Select((skill, features, student, explain, duplicate) =>
            "{\"skill\":" + skill + ",\"features\":" + features + ",\"studentId\":" + student + ",\"explain\":" + explain + (duplicate ? ",\"skill\":\"persistence\"" : "") + "}");

    private static readonly Gen<string> BatchBody = Gen.Frequency(
        (6, (IGen<string>)InferBody.Array[0, 30].Select(items => "{\"items\":[" + string.Join(',', items) + "]}")),
        (1, Gen.Int[9_990, 12_000].Select(n => "{\"items\":[" + string.Join(',', Enumerable.Repeat("{}", n)) + "]}")),
        (1, Gen.Int[1, 3].Select(n => "{\"items\":[" + string.Join(',', Enumerable.Repeat("{\"skill\":\"curiosity\",\"features\":{},\"explain\":true}", 100 + n)) + "]}")),
        (1, Json.Select(j => "{\"items\":" + j + "}")));

    private static readonly Gen<string> OperatorBody = Gen.Frequency(
        (2, (IGen<string>)Gen.Select(Text, Text).Select((v, r) => $"{{\"version\":{JsonSerializer.Serialize(v)},\"reason\":{JsonSerializer.Serialize(r)}}}")),
        (2, Gen.Select(Gen.Select(Gen.OneOf("1.0.0", "1.1.0", "0.0.1", "x"), Number).Array[0, 4], Text).Select((vs, r) =>
            "{\"variants\":[" + string.Join(',', vs.Select(v => $"{{\"version\":\"{v.Item1}\",\"weight\":{v.Item2}}}")) + "],\"reason\":" + JsonSerializer.Serialize(r) + "}")),
        (1, Json));

    private static readonly Gen<string> Nested = Gen.Frequency(
        (1, (IGen<string>)Gen.Int[100, 5_000].Select(d => new string('[', d) + new string(']', d))),
        (1, Gen.Int[60, 400].Select(d => string.Concat(Enumerable.Repeat("{\"features\":", d)) + "1" + new string('}', d))),
        (1, Gen.Int[1, 3].Select(n => "{\"skill\":\"curiosity\",\"features\":{" + string.Join(',', Enumerable.Range(0, 1500 * n).Select(i => $"\"f{i}\":{i}")) + "}}")));

    private static readonly Gen<(HttpMethod Method, string Path, string Body)> Endpoint = Gen.Frequency(
        (6, (IGen<(HttpMethod, string, string)>)InferBody.Select(b => (HttpMethod.Post, "/api/v1/skills/infer", b))),
        (4, BatchBody.Select(b => (HttpMethod.Post, "/api/v1/skills/infer/batch", b))),
        (2, Gen.Frequency((3, (IGen<string>)Text.Select(s => "{\"studentId\":" + JsonSerializer.Serialize(s) + "}")), (1, Json)).Select(b => (HttpMethod.Post, "/api/v1/students/invalidate", b))),
        (3, Gen.Select(Gen.OneOf("deploy", "rollback", "variants"), Gen.Frequency((4, (IGen<string>)Gen.OneOf(Skills)), (1, Text.Select(t => Uri.EscapeDataString(t.Replace("\0", "", StringComparison.Ordinal))))), OperatorBody)
            .Select((action, skill, body) => (HttpMethod.Post, $"/api/v1/skills/models/{skill}/{action}", body))),
        (2, Nested.Select(b => (HttpMethod.Post, "/api/v1/skills/infer", b))),
        (1, Nested.Select(b => (HttpMethod.Post, "/api/v1/skills/infer/batch", b))),
        (2, Gen.Select(Gen.OneOf("/api/v1/skills/models", "/metrics", "/openapi/v1.json", "/health/ready", "/health/live", "/api/v1/skills/infer", "/api/v1/nope", "/api/v1/skills/models/%2F/deploy", "/api/v1/skills/models/%C0%AE/rollback"), Gen.OneOf("GET", "PUT", "DELETE", "PATCH", "POST"))
            .Select((path, method) => (new HttpMethod(method), path, ""))));

    private static readonly Gen<string> Corrupt = Gen.Frequency(
        (6, (IGen<string>)Gen.Const("as is")),
        (1, Gen.Const("truncated")),
        (1, Gen.Const("byte")));

    private static readonly Gen<string?> ContentType = Gen.Frequency(
        (8, (IGen<string?>)Gen.Const<string?>("application/json")),
        (1, Gen.OneOf<string?>(null, "text/plain", "application/json; charset=latin1", "application/json; charset=utf-16", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "application/problem+json", "*/*", "application/json; charset=\"utf-8\"")));

    [TestMethod]
    public async Task EveryEndpoint_GeneratedHostileRequests_NeverA5xx_EveryClientErrorIsProblemDetails()
    {
        await using var factory = SkillInferenceHostFactory.OverSampleCopy();
        using var client = await factory.CreateReadyClientAsync();
        var statuses = new ConcurrentDictionary<int, int>();

        await Gen.Select(Endpoint, Corrupt, Gen.Int[0, int.MaxValue], ContentType, Gen.Bool).SampleAsync(
            async (endpoint, corrupt, position, contentType, asOperator) =>
            {
                var (method, path, body) = endpoint;
                var bytes = Encoding.UTF8.GetBytes(body);
                if (corrupt == "truncated" && bytes.Length > 1)
                {
                    bytes = bytes[..(position % bytes.Length)];
                }
                else if (corrupt == "byte" && bytes.Length > 0)
                {
                    bytes = [.. bytes];
                    bytes[position % bytes.Length] = (byte)(position >> 8);
                }

                using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
                if (method != HttpMethod.Get || bytes.Length > 0)
                {
                    request.Content = new ByteArrayContent(bytes);
                    if (contentType is not null)
                    {
                        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
                    }
                }

                if (asOperator)
                {
                    request.Headers.Add("X-Api-Key", SkillInferenceHostFactory.OperatorKey);
                }

                using var response = await client.SendAsync(request);
                var status = (int)response.StatusCode;
                statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                var text = await response.Content.ReadAsStringAsync();
                if (status >= 500)
                {
                    var failure = factory.Logs.GetSnapshot().LastOrDefault(r => r.Exception is not null)?.Exception;
                    Assert.Fail($"{method} {path}: {status} {text}\n{failure}");
                }

                if (status >= 400)
                {
                    Assert.StartsWith("application/problem+json", response.Content.Headers.ContentType?.MediaType ?? "(none)", $"{method} {path}: {status} without problem details");
                    using var problem = JsonDocument.Parse(text);
                    Assert.AreEqual(status, problem.RootElement.GetProperty("status").GetInt32(), $"{method} {path}: {text}");
                    Assert.IsFalse(string.IsNullOrEmpty(problem.RootElement.GetProperty("title").GetString()), $"{method} {path}: {text}");
                }
            },
            iter: 3000,
            threads: 4,
            print: t => $"{t.Item1.Method} {t.Item1.Path} corrupt={t.Item2} at={t.Item3} type={t.Item4} operator={t.Item5} body={(t.Item1.Body.Length > 300 ? t.Item1.Body[..300] + "…" : t.Item1.Body)}");

        // The generators reach the paths that matter: successes, validation errors, oversized batches, refused scopes.
        foreach (var expected in new[] { 200, 400, 404, 413, 415, 422 })
        {
            Assert.IsTrue(statuses.ContainsKey(expected), $"no {expected} among {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}"))}");
        }
    }

    /// <summary>What the generators found, kept as fixed cases: each was a 500 before its fix.</summary>
    [TestMethod]
    [DataRow("/api/v1/skills/infer", "application/json; charset=\"utf-8\"", "{\"skill\":\"curiosity\",\"features\":{}}", 422)] // read as UTF-8: the schema answers
    [DataRow("/api/v1/skills/infer", "application/json; charset=latin1", "{\"skill\":\"curiosity\",\"features\":{}}", 415)]
    [DataRow("/api/v1/skills/infer/batch", "application/json", "{\"items\":[{\"skill\":\"curiosity\",\"features\":{},\"studentId\":\"\\ud800\"}]}", 400)]
    [DataRow("/api/v1/skills/infer/batch", "application/json", "{\"items\":[{\"skill\":\"curiosity\",\"features\":{\"\\udc00x\":1}}]}", 400)]
    [DataRow("/api/v1/skills/models/a%5Cb%2C%28x%29/variants", "application/json", "{\"variants\":[]}", 404)]
    [DataRow("/api/v1/skills/models/..%2F..%2Fetc/deploy", "application/json", "{\"version\":\"1.0.0\"}", 404)]
    public async Task FoundByGenerators_AnswerAClientStatus(string path, string contentType, string body, int expected)
    {
        await using var factory = SkillInferenceHostFactory.OverSampleCopy();
        using var client = await factory.CreateReadyClientAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = new StringContent(body) };
        request.Headers.Add("X-Api-Key", SkillInferenceHostFactory.OperatorKey);
        request.Content.Headers.Remove("Content-Type");
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        using var response = await client.SendAsync(request);

        Assert.AreEqual(expected, (int)response.StatusCode, await response.Content.ReadAsStringAsync());
        if (expected >= 400)
        {
            Assert.AreEqual("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    private static Gen<string> Value(int depth) => depth == 0
        ? Scalar
        : Gen.Frequency(
            (4, (IGen<string>)Scalar),
            (1, Gen.Int[0, 6].SelectMany(n => Value(depth - 1).Array[n]).Select(a => "[" + string.Join(',', a) + "]")),
            (1, Gen.Select(Key, Value(depth - 1)).Array[0, 6].Select(kvs => "{" + string.Join(',', kvs.Select(kv => JsonSerializer.Serialize(kv.Item1) + ":" + kv.Item2)) + "}")));
}
