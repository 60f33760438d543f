using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SkillInference.Cli.Smoke;

/// <summary>What a smoke test checks against a running host, and how hard.</summary>
internal sealed record SmokeOptions
{
    public required Uri Url { get; init; }

    public string? ApiKey { get; init; }

    /// <summary>Sample students scored per deployed skill.</summary>
    public int Students { get; init; } = 3;

    /// <summary>The 95th percentile of the scoring requests must not exceed this.</summary>
    public TimeSpan LatencyBudget { get; init; } = TimeSpan.FromMilliseconds(1000);

    /// <summary>How long to wait for <c>/health/ready</c>.</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Skills that must be deployed and live (none: whatever the registry deploys, at least one).</summary>
    public IReadOnlyList<string> ExpectedSkills { get; init; } = [];
}

/// <summary>
/// A post-deployment smoke test of a SkillInference host over HTTP: liveness and readiness, the models list, every
/// deployed skill scored for a few sample students (one call each and one batch), problem details for bad inputs, and
/// a latency budget. Every check is reported; any failure fails the run.
/// </summary>
internal sealed class SmokeTest(HttpClient http, SmokeOptions options, TextWriter output)
{
    private const string ProblemJson = "application/problem+json";
    private readonly List<(bool Passed, string Name, string Detail)> _results = [];
    private readonly List<double> _latenciesMs = [];

    public IReadOnlyList<(bool Passed, string Name, string Detail)> Results => _results;

    public async Task<bool> RunAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        await CheckAsync("live", async () => Expect(await SendAsync(HttpMethod.Get, "/health/live", null, cancellationToken).ConfigureAwait(false), HttpStatusCode.OK)).ConfigureAwait(false);
        await CheckAsync("ready", () => WaitReadyAsync(cancellationToken)).ConfigureAwait(false);
        var skills = new List<DeployedSkill>();
        await CheckAsync("models", async () =>
        {
            var (status, body, _, _) = await SendAsync(HttpMethod.Get, "/api/v1/skills/models", null, cancellationToken).ConfigureAwait(false);
            if (status != HttpStatusCode.OK)
            {
                return $"GET /api/v1/skills/models answered {(int)status}";
            }

            skills.AddRange(DeployedSkill.Parse(body));
            var problems = new List<string>();
            if (skills.Count == 0)
            {
                problems.Add("no skill is deployed");
            }

            problems.AddRange(skills.Where(s => s.Live != s.Deployed).Select(s => $"{s.Skill}: deployed {s.Deployed} but live {s.Live ?? "none"}"));
            problems.AddRange(options.ExpectedSkills.Where(e => skills.All(s => s.Skill != e)).Select(e => $"{e} is not deployed"));
            return problems.Count == 0 ? null : string.Join("; ", problems);
        }, detail: () => string.Join(", ", skills.Select(s => $"{s.Skill}@{s.Deployed}"))).ConfigureAwait(false);

        foreach (var skill in skills)
        {
            await CheckAsync($"score {skill.Skill}", () => ScoreAsync(skill, cancellationToken), detail: () => $"{options.Students + 1} students, one by one and in a batch").ConfigureAwait(false);
        }

        if (skills.Count > 0)
        {
            await CheckBadInputsAsync(skills[0], cancellationToken).ConfigureAwait(false);
        }

        var p95 = Percentile(_latenciesMs, 0.95);
        await CheckAsync("latency", () => Task.FromResult(_latenciesMs.Count == 0 ? "no scoring request succeeded" : p95 <= options.LatencyBudget.TotalMilliseconds ? null : string.Create(CultureInfo.InvariantCulture, $"p95 {p95:0.0} ms is over the budget of {options.LatencyBudget.TotalMilliseconds:0} ms")),
            detail: () => string.Create(CultureInfo.InvariantCulture, $"{_latenciesMs.Count} scoring requests: p50 {Percentile(_latenciesMs, 0.5):0.0} ms, p95 {p95:0.0} ms, max {(_latenciesMs.Count == 0 ? 0 : _latenciesMs.Max()):0.0} ms (budget {options.LatencyBudget.TotalMilliseconds:0} ms)")).ConfigureAwait(false);

        var failed = _results.Count(r => !r.Passed);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"smoke: {_results.Count - failed} passed, {failed} failed against {options.Url} in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s")).ConfigureAwait(false);
        return failed == 0;
    }

    private async Task<string?> WaitReadyAsync(CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(options.ReadyTimeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var (status, body, _, _) = await SendAsync(HttpMethod.Get, "/health/ready", null, cancellationToken).ConfigureAwait(false);
            if (status == HttpStatusCode.OK)
            {
                return null;
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                return $"/health/ready answered {(int)status} for {options.ReadyTimeout.TotalSeconds:0} s: {Shorten(body)}";
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<string?> ScoreAsync(DeployedSkill skill, CancellationToken cancellationToken)
    {
        var students = skill.SampleStudents(options.Students);
        foreach (var features in students)
        {
            var body = new JsonObject { ["skill"] = skill.Skill, ["features"] = features.DeepClone() };
            var started = Stopwatch.GetTimestamp();
            var (status, response, _, _) = await SendAsync(HttpMethod.Post, "/api/v1/skills/infer", body.ToJsonString(), cancellationToken).ConfigureAwait(false);
            if (status != HttpStatusCode.OK)
            {
                return $"POST /infer answered {(int)status}: {Shorten(response)}";
            }

            _latenciesMs.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (CheckScore(JsonNode.Parse(response), skill) is { } problem)
            {
                return problem;
            }
        }

        var batch = new JsonObject { ["items"] = new JsonArray([.. students.Select(f => (JsonNode)new JsonObject { ["skill"] = skill.Skill, ["features"] = f.DeepClone() })]) };
        var (batchStatus, batchBody, _, _) = await SendAsync(HttpMethod.Post, "/api/v1/skills/infer/batch", batch.ToJsonString(), cancellationToken).ConfigureAwait(false);
        if (batchStatus != HttpStatusCode.OK)
        {
            return $"POST /infer/batch answered {(int)batchStatus}: {Shorten(batchBody)}";
        }

        var results = JsonNode.Parse(batchBody)?["results"]?.AsArray();
        if (results is null || results.Count != students.Count)
        {
            return $"/infer/batch returned {results?.Count ?? 0} results for {students.Count} items";
        }

        foreach (var item in results)
        {
            if (item?["error"] is { } error)
            {
                return $"/infer/batch item failed: {error.ToJsonString()}";
            }

            if (CheckScore(item?["result"], skill) is { } problem)
            {
                return "/infer/batch: " + problem;
            }
        }

        return null;
    }

    private static string? CheckScore(JsonNode? result, DeployedSkill skill)
    {
        var score = result?["score"]?.GetValue<double>();
        var version = result?["modelVersion"]?.GetValue<string>();
        if (score is not (>= 0 and <= 1))
        {
            return $"score {score?.ToString(CultureInfo.InvariantCulture) ?? "missing"} is not a probability";
        }

        return version == skill.Deployed ? null : $"served by {version ?? "no version"}, not the deployed {skill.Deployed}";
    }

    private async Task CheckBadInputsAsync(DeployedSkill skill, CancellationToken cancellationToken)
    {
        var valid = skill.SampleStudents(1)[0];
        var typo = (JsonObject)valid.DeepClone();
        typo["smoke_test_no_such_feature"] = 1;
        await ExpectProblemAsync("bad input: unknown skill", new JsonObject { ["skill"] = "smoke_test_no_such_skill", ["features"] = valid.DeepClone() }.ToJsonString(), HttpStatusCode.NotFound, cancellationToken).ConfigureAwait(false);
        await ExpectProblemAsync("bad input: unknown feature", new JsonObject { ["skill"] = skill.Skill, ["features"] = typo }.ToJsonString(), HttpStatusCode.UnprocessableEntity, cancellationToken).ConfigureAwait(false);
        if (skill.OutOfRange() is { } outOfRange)
        {
            await ExpectProblemAsync("bad input: value out of range", new JsonObject { ["skill"] = skill.Skill, ["features"] = outOfRange }.ToJsonString(), HttpStatusCode.UnprocessableEntity, cancellationToken).ConfigureAwait(false);
        }

        await ExpectProblemAsync("bad input: malformed JSON", "{\"skill\": \"" + skill.Skill + "\", \"features\": {", HttpStatusCode.BadRequest, cancellationToken).ConfigureAwait(false);
    }

    private Task ExpectProblemAsync(string name, string body, HttpStatusCode expected, CancellationToken cancellationToken) =>
        CheckAsync(name, async () =>
        {
            var (status, response, mediaType, _) = await SendAsync(HttpMethod.Post, "/api/v1/skills/infer", body, cancellationToken).ConfigureAwait(false);
            if (status != expected)
            {
                return $"expected {(int)expected}, got {(int)status}: {Shorten(response)}";
            }

            if (mediaType != ProblemJson)
            {
                return $"expected {ProblemJson}, got {mediaType ?? "no content type"}";
            }

            return JsonNode.Parse(response)?["status"]?.GetValue<int>() == (int)expected ? null : "the problem details have no matching status";
        }, detail: () => $"{(int)expected} problem details");

    private async Task CheckAsync(string name, Func<Task<string?>> check, Func<string>? detail = null)
    {
        string? failure;
        try
        {
            failure = await check().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or InvalidOperationException or FormatException)
        {
            failure = $"{ex.GetType().Name}: {ex.Message}";
        }

        _results.Add((failure is null, name, failure ?? detail?.Invoke() ?? ""));
        await output.WriteLineAsync(failure is null ? $"PASS {name}{(detail is null ? "" : $" ({detail()})")}" : $"FAIL {name}: {failure}").ConfigureAwait(false);
    }

    private static string? Expect((HttpStatusCode Status, string Body, string? MediaType, TimeSpan Elapsed) response, HttpStatusCode expected) =>
        response.Status == expected ? null : $"answered {(int)response.Status}: {Shorten(response.Body)}";

    private async Task<(HttpStatusCode Status, string Body, string? MediaType, TimeSpan Elapsed)> SendAsync(HttpMethod method, string path, string? json, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(options.Url, path));
        if (options.ApiKey is { Length: > 0 } key)
        {
            request.Headers.Add("X-Api-Key", key);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        var started = Stopwatch.GetTimestamp();
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return (response.StatusCode, body, response.Content.Headers.ContentType?.MediaType, Stopwatch.GetElapsedTime(started));
    }

    private static double Percentile(List<double> values, double q)
    {
        if (values.Count == 0)
        {
            return 0;
        }

        var sorted = values.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "...";

    /// <summary>A deployed skill as <c>GET /api/v1/skills/models</c> describes it: versions and feature ranges.</summary>
    private sealed record DeployedSkill(string Skill, string Deployed, string? Live, IReadOnlyList<(string Name, double Min, double Max, bool Required)> Features)
    {
        public static IEnumerable<DeployedSkill> Parse(string json)
        {
            var skills = JsonNode.Parse(json)?["skills"]?.AsArray() ?? throw new FormatException("the models response has no 'skills' array");
            foreach (var s in skills)
            {
                if (s?["deployed"]?.GetValue<string>() is not { } deployed)
                {
                    continue;
                }

                var features = (s["features"]?.AsArray() ?? []).Select(f => (
                    f!["name"]!.GetValue<string>(),
                    f["min"]!.GetValue<double>(),
                    f["max"]!.GetValue<double>(),
                    f["required"]?.GetValue<bool>() ?? false)).ToArray();
                yield return new DeployedSkill(s["skill"]!.GetValue<string>(), deployed, s["live"]?.GetValue<string>(), features);
            }
        }

        /// <summary><paramref name="count"/> students spread over each feature's range, then one with only the required features.</summary>
        public List<JsonObject> SampleStudents(int count)
        {
            var students = new List<JsonObject>();
            for (var k = 0; k < count; k++)
            {
                var fraction = (k + 1.0) / (count + 1.0);
                var student = new JsonObject();
                foreach (var (name, min, max, _) in Features)
                {
                    student[name] = Math.Round(Lerp(min, max, fraction), 4);
                }

                students.Add(student);
            }

            var sparse = new JsonObject();
            foreach (var (name, min, max, required) in Features.Where(f => f.Required))
            {
                sparse[name] = Math.Round(Lerp(min, max, 0.5), 4);
            }

            students.Add(sparse);
            return students;
        }

        /// <summary>A valid student with one feature just above its maximum, or null when no feature has a finite maximum.</summary>
        public JsonObject? OutOfRange()
        {
            var feature = Features.FirstOrDefault(f => f.Max < 1e300);
            if (feature.Name is null)
            {
                return null;
            }

            var student = SampleStudents(1)[0];
            student[feature.Name] = feature.Max + Math.Max(1, Math.Abs(feature.Max));
            return student;
        }

        // Ranges are finite in practice; an open range samples around 0 instead.
        private static double Lerp(double min, double max, double fraction) =>
            min > -1e300 && max < 1e300 ? min + ((max - min) * fraction) : Math.Max(min, Math.Min(max, fraction));
    }
}
