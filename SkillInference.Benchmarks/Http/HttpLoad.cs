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
/// <item><c>/infer/batch</c> with 1,000 items per request (wrk, 2 connections).</item>
/// </list>
/// Requests carry no student id (nothing is cached: every request is scored) and cycle through 4,096 distinct students
/// spread over the seven skills. Writes results/http.json.
/// </summary>
internal static class HttpLoad
{
    public const string Flag = "--http";

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

        var settings = new Dictionary<string, string>
        {
            ["SkillInference:Store:Path"] = store,
            ["SkillInference:Samples:SeedWhenEmpty"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        var result = new JsonObject
        {
            ["bodies"] = new JsonObject { ["infer"] = infer.Length, ["inferBytesMean"] = infer.Average(b => b.Length), ["batch"] = batches.Length, ["batchItems"] = 1000, ["batchBytesMean"] = batches.Average(b => b.Length) },
            ["settings"] = JsonSerializer.SerializeToNode(settings.Where(kv => kv.Key != "SkillInference:Store:Path").ToDictionary()),
            ["wrk"] = Wrk.Version(),
        };

        await using (var host = await HostProcess.StartAsync(hostDll, Path.Combine(dir, "host"), settings, TimeSpan.FromSeconds(120)))
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
            batch["items_per_s"] = batch["requests_per_s"]!.GetValue<double>() * 1000;
            result["batch"] = batch;
            Print("batch", batch);
        }

        Directory.CreateDirectory(BenchWork.Results);
        await File.WriteAllTextAsync(Path.Combine(BenchWork.Results, "http.json"), result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

    internal static HttpClient Client() => new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        MaxConnectionsPerServer = 512,
        UseCookies = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
    })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

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
