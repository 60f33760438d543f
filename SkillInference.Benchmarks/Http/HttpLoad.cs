using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using SkillInference.Benchmarks.Suite;

namespace SkillInference.Benchmarks.Http;

/// <summary>
/// <c>--http --host-dll PATH</c>: issue 7, benchmark 4. Starts the host (Release build) on a copy of the sample store
/// and measures, on 127.0.0.1 with the load generator sharing the two cores:
/// <list type="number">
/// <item><c>/api/v1/skills/infer</c> at a fixed arrival rate (open loop, this program; 2,000 requests/s for 20 s);</item>
/// <item><c>/infer</c> at saturation (wrk, a few connections, distinct bodies from a pre-generated list);</item>
/// <item><c>/infer/batch</c> with 1,000 items per request (wrk, 2 connections);</item>
/// <item>issue 10: <c>/infer</c> at saturation with student ids — a distinct student per request on a host with the
/// cache off and on the default host (in-memory cache on), then the same students again and again (cache hits);</item>
/// <item>issue 10: <c>/infer/batch</c> of 1,000 XGB-300x6 items per request, beside the kernel alone on the same rows
/// in the same requests, one and two at a time.</item>
/// </list>
/// Unless said otherwise, requests carry no student id (nothing is cached: every request is scored) and cycle through
/// 4,096 distinct students spread over the seven skills. Writes results/http.json.
/// </summary>
internal static class HttpLoad
{
    public const string Flag = "--http";

    private const int BatchItems = 1_000;
    private const int XgbBatches = 16;

    public static async Task<int> RunAsync(string[] args)
    {
        var hostDll = Arguments.Value(args, "--host-dll") ?? throw new ArgumentException("--host-dll PATH (SkillInference.Host.dll of the Release build) is required.");
        var quick = BenchWork.Short;
        var seconds = quick ? 5 : 20;
        var rate = Arguments.Int(args, "--rate", 2_000);
        var connections = Arguments.Value(args, "--connections") is { } c ? c.Split(',').Select(int.Parse).ToArray() : [4, 8, 16];
        var dir = Path.Combine(BenchWork.Root, "http");
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }

        var store = Path.Combine(dir, "store");
        CopyDirectory(BenchWork.SampleStore, store);
        var xgb = SuiteModels.Current.Xgb;
        await DeployAsync(store, xgb.Bundle);

        // Distinct bodies: 4,096 students, each request one skill (round-robin over the seven).
        var (_, catalog, data) = await SampleRows.LoadAsync(4096);
        var skills = catalog.Skills.Select(s => (s.Id, Names: s.Schema.Features.Select(f => f.Name).ToArray())).ToArray();
        var infer = Enumerable.Range(0, 4096).Select(i => RequestBodies.Infer(skills[i % skills.Length].Id, BenchmarkStore.Row(data, skills[i % skills.Length].Names, i))).ToArray();
        var batches = Enumerable.Range(0, 16).Select(b => RequestBodies.Batch(Enumerable.Range(0, 1000).Select(k =>
        {
            var i = ((b * 1000) + k) % 4096;
            var (id, names) = skills[(b + k) % skills.Length];
            return (id, (IReadOnlyDictionary<string, double?>)BenchmarkStore.Row(data, names, i));
        }))).ToArray();
        var inferFile = Path.Combine(dir, "infer-bodies.txt");
        var batchFile = Path.Combine(dir, "batch-bodies.txt");
        RequestBodies.WriteLines(inferFile, infer);
        RequestBodies.WriteLines(batchFile, batches);

        // XGB-300x6 batches: 16 requests of 1,000 distinct timing rows; and the kernel alone on the same rows.
        var names = xgb.Bundle.Schema.Features.Select(f => f.Name).ToArray();
        var xgbBatches = Enumerable.Range(0, XgbBatches).Select(b => RequestBodies.Batch(Enumerable.Range(b * BatchItems, BatchItems).Select(r =>
            (xgb.Bundle.Skill, (IReadOnlyDictionary<string, double?>)XgbFeatures(xgb, names, r))))).ToArray();
        var xgbFile = Path.Combine(dir, "xgb-batch-bodies.txt");
        RequestBodies.WriteLines(xgbFile, xgbBatches);
        // The kernel alone on the same rows, in requests' worth of rows, one and two at a time: timed right before and
        // right after the host's run on these bodies, so that both sides of the ratio meet the same load of the machine.
        using var ours = SuiteModels.Ours(xgb.Bundle);
        var xgbKernels = Enumerable.Range(1, 2).Select(parallel => (Parallel: parallel, Timer: new KernelTimer(ours, xgb.Rows, xgb.Features, XgbBatches * BatchItems, BatchItems, parallel))).ToArray();
        void TimeKernel(string when)
        {
            Console.WriteLine($"http: the kernel alone on the {XgbBatches * BatchItems:N0} XGB-300x6 rows of the batch bodies, requests of {BatchItems:N0} ({when})");
            foreach (var (_, timer) in xgbKernels)
            {
                timer.Time(15);
            }
        }

        var settings = new Dictionary<string, string>
        {
            ["SkillInference:Store:Path"] = store,
            ["SkillInference:Samples:SeedWhenEmpty"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        var result = new JsonObject
        {
            ["bodies"] = new JsonObject { ["infer"] = infer.Length, ["inferBytesMean"] = infer.Average(b => b.Length), ["batch"] = batches.Length, ["batchItems"] = BatchItems, ["batchBytesMean"] = batches.Average(b => b.Length), ["xgbBatch"] = xgbBatches.Length, ["xgbBatchBytesMean"] = xgbBatches.Average(b => b.Length) },
            ["settings"] = JsonSerializer.SerializeToNode(settings.Where(kv => kv.Key != "SkillInference:Store:Path").ToDictionary()),
            ["wrk"] = Wrk.Version(),
        };

        var uncachedSettings = new Dictionary<string, string>(settings) { ["SkillInference:Cache:Kind"] = "None" };
        await using (var host = await HostProcess.StartAsync(hostDll, Path.Combine(dir, "host"), settings, TimeSpan.FromSeconds(120)))
        await using (var uncached = await HostProcess.StartAsync(hostDll, Path.Combine(dir, "host-cache-off"), uncachedSettings, TimeSpan.FromSeconds(120)))
        {
            var inferUri = new Uri(host.BaseAddress, "api/v1/skills/infer");
            var batchUri = new Uri(host.BaseAddress, "api/v1/skills/infer/batch");
            using var client = Client();

            Console.WriteLine("http: warm-up (3 s at 1,000 requests/s, then 2 s of wrk)");
            await FixedRateAsync(client, inferUri, infer, 1_000, 3, host);
            await Wrk.RunAsync(inferUri, inferFile, 1, 4, 2);
            await Wrk.RunAsync(batchUri, batchFile, 1, 1, 2);

            Console.WriteLine($"http: /infer at a fixed {rate:N0} requests/s for {seconds} s (open loop)");
            result["fixedRate"] = await FixedRateAsync(client, inferUri, infer, rate, seconds, host);
            Print("fixed rate", result["fixedRate"]!);

            var saturation = new JsonArray();
            foreach (var n in connections)
            {
                Console.WriteLine($"http: /infer at saturation, wrk -t2 -c{n} for {seconds} s");
                var run = await Wrk.RunAsync(inferUri, inferFile, threads: 2, connections: n, seconds, () => host.CpuTime);
                saturation.Add(run);
                Print($"saturation c={n}", run);
            }

            result["saturation"] = saturation;

            Console.WriteLine($"http: /infer/batch (1,000 items) with wrk -t1 -c2 for {seconds} s");
            var batch = await Wrk.RunAsync(batchUri, batchFile, threads: 1, connections: 2, seconds, () => host.CpuTime);
            batch["items_per_s"] = batch["requests_per_s"]!.GetValue<double>() * BatchItems;
            result["batch"] = batch;
            Print("batch", batch);

            result["studentIds"] = await StudentIdsAsync(inferUri, new Uri(uncached.BaseAddress, "api/v1/skills/infer"), inferFile, seconds, host, uncached);

            Console.WriteLine($"http: /infer/batch of 1,000 XGB-300x6 items with wrk -t1 -c2 for {seconds} s");
            var check = await CheckXgbBatchAsync(client, batchUri, xgbBatches[0], xgb.Expected(BatchItems));
            await Wrk.RunAsync(batchUri, xgbFile, 1, 1, 2);
            TimeKernel("before the host's run");
            var xgbBatch = await Wrk.RunAsync(batchUri, xgbFile, threads: 1, connections: 2, seconds, () => host.CpuTime);
            TimeKernel("after it");
            xgbBatch["items_per_s"] = xgbBatch["requests_per_s"]!.GetValue<double>() * BatchItems;
            xgbBatch["kernel"] = new JsonObject([.. xgbKernels.Select(k => KeyValuePair.Create($"parallel{k.Parallel}", (JsonNode?)k.Timer.Result(xgb.Expected())))]);
            xgbBatch["check"] = check;
            result["xgbBatch"] = xgbBatch;
            Print("xgb batch", xgbBatch);
        }

        Directory.CreateDirectory(BenchWork.Results);
        await File.WriteAllTextAsync(Path.Combine(BenchWork.Results, "http.json"), result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    /// <summary>
    /// <c>/infer</c> at saturation with student ids, on 16 connections: a distinct student per request on the host with
    /// the cache off, then on the host with the default in-memory cache (every store a new entry, past the entry bound),
    /// then one student per body on the same host, warmed first (every request a hit).
    /// </summary>
    private static async Task<JsonObject> StudentIdsAsync(Uri cachedUri, Uri uncachedUri, string bodies, int seconds, HostProcess cached, HostProcess uncached)
    {
        const int connections = 16;
        var result = new JsonObject();
        Console.WriteLine($"http: /infer with a distinct student per request, cache off, wrk -t2 -c{connections} for {seconds} s");
        await Wrk.RunAsync(uncachedUri, bodies, 1, 4, 2, ids: "distinct");
        result["cacheOffDistinct"] = await Wrk.RunAsync(uncachedUri, bodies, threads: 2, connections, seconds, () => uncached.CpuTime, ids: "distinct");
        Print("cache off, distinct students", result["cacheOffDistinct"]!);

        Console.WriteLine($"http: /infer with a distinct student per request, in-memory cache on, wrk -t2 -c{connections} for {seconds} s");
        result["cacheOnDistinct"] = await Wrk.RunAsync(cachedUri, bodies, threads: 2, connections, seconds, () => cached.CpuTime, ids: "distinct");
        Print("cache on, distinct students", result["cacheOnDistinct"]!);

        Console.WriteLine($"http: /infer with the same student per body (cache hits), wrk -t2 -c{connections} for {seconds} s");
        await Wrk.RunAsync(cachedUri, bodies, 1, 4, 2, ids: "repeat");
        result["cacheOnRepeated"] = await Wrk.RunAsync(cachedUri, bodies, threads: 2, connections, seconds, () => cached.CpuTime, ids: "repeat");
        Print("cache on, repeated students", result["cacheOnRepeated"]!);
        return result;
    }

    /// <summary>One XGB-300x6 batch through the host: its scores against xgboost's own for the same rows.</summary>
    private static async Task<JsonObject> CheckXgbBatchAsync(HttpClient client, Uri uri, byte[] body, float[] expected)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await client.PostAsync(uri, content);
        response.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
        var scores = doc.RootElement.GetProperty("results").EnumerateArray()
            .Select(r => r.TryGetProperty("result", out var x) ? (float)x.GetProperty("score").GetDouble() : float.NaN).ToArray();
        return new JsonObject
        {
            ["items"] = scores.Length,
            ["exactToXgboost"] = scores.Zip(expected).Count(p => p.First == p.Second),
            ["maxDiff"] = Preparation.MaxDiff(scores, expected.AsSpan(0, Math.Min(expected.Length, scores.Length))),
        };
    }

    /// <summary>Timing row <paramref name="row"/> of an XGBoost model as a request's features (a missing value left out).</summary>
    private static Dictionary<string, double?> XgbFeatures(XgbSuiteModel model, string[] names, int row)
    {
        var features = new Dictionary<string, double?>(names.Length, StringComparer.Ordinal);
        for (var f = 0; f < names.Length; f++)
        {
            var value = model.Rows[(row * model.Features) + f];
            if (!float.IsNaN(value))
            {
                features[names[f]] = value;
            }
        }

        return features;
    }

    /// <summary>Publishes and deploys a bundle into a file-system store.</summary>
    private static async Task DeployAsync(string store, Bundles.ModelBundle bundle)
    {
        var registry = new Registry.ModelRegistry(new Registry.FileSystemModelStore(store), formats: Engines.BuiltInModelFormats.Create());
        var context = new Registry.ChangeContext("benchmark suite", "XGB-300x6 beside the sample models");
        await registry.PublishAsync(bundle, context);
        await registry.DeployAsync(bundle.Skill, bundle.Version.ToString(), context);
    }

    internal static HttpClient Client()
    {
        var client = new HttpClient(new SocketsHttpHandler
        {
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            MaxConnectionsPerServer = 512,
            UseCookies = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
        })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
        client.DefaultRequestHeaders.Add("X-Api-Key", HostProcess.ApiKey);
        return client;
    }

    internal static void CopyDirectory(string from, string to)
    {
        if (!Directory.Exists(from))
        {
            throw new DirectoryNotFoundException($"{from} is missing: run the suite's --prepare step first.");
        }

        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }

    private static async Task<JsonObject> FixedRateAsync(HttpClient client, Uri uri, byte[][] bodies, int rate, int seconds, HostProcess host)
    {
        var offsets = OpenLoop.FixedRate(rate, seconds);
        var cpuBefore = host.CpuTime;
        var started = Stopwatch.GetTimestamp();
        var samples = await OpenLoop.RunAsync(offsets, async (i, due) =>
        {
            using var content = new ByteArrayContent(bodies[i % bodies.Length]);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            var sent = Stopwatch.GetTimestamp();
            try
            {
                using var response = await client.PostAsync(uri, content);
                await response.Content.CopyToAsync(Stream.Null);
                return (Due: due, Sent: sent, Done: Stopwatch.GetTimestamp(), Ok: response.IsSuccessStatusCode);
            }
            catch (HttpRequestException)
            {
                return (Due: due, Sent: sent, Done: Stopwatch.GetTimestamp(), Ok: false);
            }
        });
        var wall = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var cpu = (host.CpuTime - cpuBefore).TotalSeconds;
        var ok = samples.Where(s => s.Ok).ToArray();
        return new JsonObject
        {
            ["targetRate"] = rate,
            ["seconds"] = seconds,
            ["requests"] = samples.Length,
            ["ok"] = ok.Length,
            ["errors"] = samples.Length - ok.Length,
            ["achievedRate"] = samples.Length / (Stopwatch.GetElapsedTime(samples[0].Due, samples.Max(s => s.Sent)) is var span && span.TotalSeconds > 0 ? span.TotalSeconds : wall),
            ["latencyMs"] = Percentiles.Of(ok.Select(s => Stopwatch.GetElapsedTime(s.Sent, s.Done).TotalMilliseconds)),
            ["latencyFromIntendedMs"] = Percentiles.Of(ok.Select(s => Stopwatch.GetElapsedTime(s.Due, s.Done).TotalMilliseconds)),
            ["pacingLagMs"] = Percentiles.Of(samples.Select(s => Stopwatch.GetElapsedTime(s.Due, s.Sent).TotalMilliseconds)),
            ["host_cpu_cores"] = cpu / wall,
        };
    }

    private static void Print(string what, JsonNode result) => Console.WriteLine($"http: {what}: {result.ToJsonString()}");
}

/// <summary>Command-line values.</summary>
internal static class Arguments
{
    public static string? Value(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    public static int Int(string[] args, string name, int fallback) =>
        Value(args, name) is { } v ? int.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : fallback;
}
