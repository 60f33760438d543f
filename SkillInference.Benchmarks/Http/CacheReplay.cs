using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SkillInference.Benchmarks.Suite;
using SkillInference.Engines;
using SkillInference.Registry;
using SkillInference.Training;

namespace SkillInference.Benchmarks.Http;

/// <summary>
/// <c>--cache-replay --host-dll PATH</c>: issue 5's measurement. A day of realistic traffic (<see cref="ReplayWorkload"/>),
/// compressed into a few minutes, replayed open-loop through two host instances that share a Redis (started here),
/// with a few percent of students getting new features during the day (the client sends the new features, and an
/// ingestion call invalidates the student) and a retrained version of one skill deployed at noon through the registry
/// (the hosts reload it within their ReloadInterval, 1 s). Measures the hit rate (overall, before/after the deploy,
/// per layer), the latency of hits and of computed results, and checks every response: the version served for each
/// skill is the one deployed at that time on that host, one key never has two scores, and nothing is served from the
/// cache that this run did not compute first. Writes results/replay.json; exits 1 if a check fails.
/// </summary>
internal static class CacheReplay
{
    public const string Flag = "--cache-replay";
    private const string DeployedSkill = "collaboration";
    private const string NewVersion = "1.1.0";
    private const int HostCount = 2;

    public static async Task<int> RunAsync(string[] args)
    {
        var hostDll = Arguments.Value(args, "--host-dll") ?? throw new ArgumentException("--host-dll PATH is required.");
        var quick = BenchWork.Short;
        var students = Arguments.Int(args, "--students", quick ? 1_000 : 5_000);
        var visits = Arguments.Int(args, "--visits", quick ? 3_000 : 15_000);
        var rate = Arguments.Int(args, "--rate", 1_500);
        var dir = Path.Combine(BenchWork.Root, "replay");
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }

        var store = Path.Combine(dir, "store");
        HttpLoad.CopyDirectory(BenchWork.SampleStore, store);
        var (_, catalog, _) = await SampleRows.LoadAsync(1);
        var registry = new ModelRegistry(new FileSystemModelStore(store), formats: BuiltInModelFormats.Create());
        var oldVersion = (await registry.ReadAsync()).Document.Skills[DeployedSkill].Deployed!;
        var deployedVersions = (await registry.ReadAsync()).Document.Skills.ToDictionary(kv => kv.Key, kv => kv.Value.Deployed!, StringComparer.Ordinal);

        // The retrained model (another sample of students, another seed): published before the day, deployed at noon.
        Console.WriteLine($"replay: retraining {DeployedSkill} as {NewVersion}");
        var retrainCsv = new StringBuilder();
        using (var writer = new StringWriter(retrainCsv))
        {
            new SyntheticDataGenerator(catalog, new SyntheticDataOptions { Seed = 2030 }).WriteCsv(writer, 6_000);
        }

        var retrained = new SkillModelTrainer().Train(catalog[DeployedSkill], TrainingDataset.ParseCsv(Encoding.UTF8.GetBytes(retrainCsv.ToString())), new SkillTrainingOptions { Version = NewVersion, Seed = 2030, Description = "Retrained on new synthetic students (benchmark cache replay)." });
        await registry.PublishAsync(retrained.Bundle, new ChangeContext("benchmark", "retrained for the cache replay"));

        // Students: revision 0 and, for those updated during the day, revision 1 (features recomputed = another row).
        var featureCsv = new StringBuilder();
        using (var writer = new StringWriter(featureCsv))
        {
            new SyntheticDataGenerator(catalog, new SyntheticDataOptions { Seed = 2029 }).WriteCsv(writer, students * 2);
        }

        var data = TrainingDataset.ParseCsv(Encoding.UTF8.GetBytes(featureCsv.ToString()));
        var skills = catalog.Skills.Select(s => (s.Id, Names: s.Schema.Features.Select(f => f.Name).ToArray())).ToArray();
        var ids = Enumerable.Range(0, students).Select(s => $"replay-student-{s:D5}").ToArray();
        var bodyCache = new Dictionary<(int, int, int), byte[]>();
        byte[] Body(int student, int revision, int skill)
        {
            lock (bodyCache)
            {
                if (!bodyCache.TryGetValue((student, revision, skill), out var body))
                {
                    body = RequestBodies.Infer(skills[skill].Id, BenchmarkStore.Row(data, skills[skill].Names, (revision * students) + student), ids[student]);
                    bodyCache[(student, revision, skill)] = body;
                }

                return body;
            }
        }

        var workload = ReplayWorkload.Build(students, visits, skills.Length, HostCount, seed: 5);
        var wallSeconds = workload.Requests / (double)rate;
        var scale = wallSeconds / ReplayWorkload.Day;

        // TTLs scaled with the day: 24 h (Redis) covers the whole replay; the memory layer's 10 min is scaled too (1 s at least).
        var memoryTtl = TimeSpan.FromSeconds(Math.Max(1, Math.Round(600 * scale, 1)));
        var ttl = TimeSpan.FromSeconds(Math.Ceiling((86_400 * scale) + 5));
        Console.WriteLine($"replay: {workload.Requests:N0} requests from {students:N0} students ({visits:N0} visits), {workload.Updates} feature updates, a deploy at noon; "
            + $"{wallSeconds:0} s of wall time ({1 / scale:0}x compressed), memory TTL {memoryTtl.TotalSeconds} s = {memoryTtl.TotalSeconds / scale / 60:0} simulated min");

        await using var redis = await RedisServer.StartAsync(Path.Combine(dir, "redis"));
        var settings = new Dictionary<string, string>
        {
            ["SkillInference:Store:Path"] = store,
            ["SkillInference:Samples:SeedWhenEmpty"] = "false",
            ["SkillInference:ReloadInterval"] = "00:00:01",
            ["SkillInference:Cache:Kind"] = "Redis",
            ["SkillInference:Cache:Redis"] = redis.Connection,
            ["SkillInference:Cache:KeySecret"] = "benchmark-replay-secret",
            ["SkillInference:Cache:TimeToLive"] = ttl.ToString("c"),
            ["SkillInference:Cache:MemoryTimeToLive"] = memoryTtl.ToString("c"),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        var hosts = new List<HostProcess>();
        try
        {
            for (var h = 0; h < HostCount; h++)
            {
                hosts.Add(await HostProcess.StartAsync(hostDll, Path.Combine(dir, $"host{h}"), settings, TimeSpan.FromSeconds(120)));
            }

            using var client = HttpLoad.Client();
            await WaitForRedisAsync(client, hosts);
            await redis.CommandAsync("CONFIG", "RESETSTAT");

            using var stop = new CancellationTokenSource();
            var watchers = hosts.Select(h => WatchVersionAsync(client, h, stop.Token)).ToArray();
            var revision = new int[students];
            long deployStart = 0, deployDone = 0;
            var offsets = workload.Events.Select(e => e.Time * scale).ToArray();
            Console.WriteLine("replay: running");
            var samples = await OpenLoop.RunAsync(offsets, async (i, due) =>
            {
                var e = workload.Events[i];
                switch (e.Kind)
                {
                    case ReplayEventKind.Deploy:
                        // Off the scheduler thread: the registry's file I/O must not delay the requests due meanwhile.
                        deployStart = Stopwatch.GetTimestamp();
                        await Task.Run(() => registry.DeployAsync(DeployedSkill, NewVersion, new ChangeContext("benchmark", "mid-day deploy of the retrained model")));
                        deployDone = Stopwatch.GetTimestamp();
                        return new Sample(i, due, deployStart, deployDone, 200, -1, -1, -1, -1, double.NaN, null, false);
                    case ReplayEventKind.FeatureUpdate:
                        var updatedTo = ++revision[e.Student];
                        var sentUpdate = Stopwatch.GetTimestamp();
                        using (var invalidation = new StringContent(System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["studentId"] = ids[e.Student] }), System.Text.Encoding.UTF8, "application/json"))
                        using (var response = await client.PostAsync(new Uri(hosts[e.Host].BaseAddress, "api/v1/students/invalidate"), invalidation))
                        {
                            return new Sample(i, due, sentUpdate, Stopwatch.GetTimestamp(), (int)response.StatusCode, e.Host, e.Student, -1, updatedTo, double.NaN, null, false);
                        }

                    default:
                        var rev = revision[e.Student];
                        using (var content = new ByteArrayContent(Body(e.Student, rev, e.Skill)))
                        {
                            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                            var sent = Stopwatch.GetTimestamp();
                            try
                            {
                                using var response = await client.PostAsync(new Uri(hosts[e.Host].BaseAddress, "api/v1/skills/infer"), content);
                                var bytes = await response.Content.ReadAsByteArrayAsync();
                                var doneAt = Stopwatch.GetTimestamp();
                                if (!response.IsSuccessStatusCode)
                                {
                                    return new Sample(i, due, sent, doneAt, (int)response.StatusCode, e.Host, e.Student, e.Skill, rev, double.NaN, null, false);
                                }

                                using var json = JsonDocument.Parse(bytes);
                                var root = json.RootElement;
                                return new Sample(i, due, sent, doneAt, 200, e.Host, e.Student, e.Skill, rev, root.GetProperty("score").GetDouble(), root.GetProperty("modelVersion").GetString(), root.GetProperty("cached").GetBoolean());
                            }
                            catch (HttpRequestException)
                            {
                                return new Sample(i, due, sent, Stopwatch.GetTimestamp(), 0, e.Host, e.Student, e.Skill, rev, double.NaN, null, false);
                            }
                        }
                }
            });
            await Task.Delay(1500);
            await stop.CancelAsync();
            var switches = await Task.WhenAll(watchers);
            var calls = await redis.CommandCallsAsync();

            var result = Analyse(workload, samples, skills.Select(s => s.Id).ToArray(), deployedVersions, oldVersion, deployStart, deployDone, switches, calls);
            result["parameters"] = new JsonObject
            {
                ["students"] = students,
                ["visits"] = visits,
                ["requests"] = workload.Requests,
                ["featureUpdates"] = workload.Updates,
                ["zipfExponent"] = ReplayWorkload.ZipfExponent,
                ["hosts"] = HostCount,
                ["rate"] = rate,
                ["wallSeconds"] = wallSeconds,
                ["compression"] = 1 / scale,
                ["memoryTtlSeconds"] = memoryTtl.TotalSeconds,
                ["memoryTtlSimulatedMinutes"] = memoryTtl.TotalSeconds / scale / 60,
                ["ttlSeconds"] = ttl.TotalSeconds,
                ["reloadIntervalSeconds"] = 1,
                ["deployedSkill"] = DeployedSkill,
                ["oldVersion"] = oldVersion,
                ["newVersion"] = NewVersion,
                ["redis"] = RedisServer.Version(),
            };
            Directory.CreateDirectory(BenchWork.Results);
            await File.WriteAllTextAsync(Path.Combine(BenchWork.Results, "replay.json"), result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            Console.WriteLine($"replay: {result["summary"]!.ToJsonString()}");
            var violations = result["checks"]!["violations"]!.GetValue<int>();
            var errors = result["summary"]!["errors"]!.GetValue<int>();
            if (violations > 0 || errors > 0)
            {
                await Console.Error.WriteLineAsync($"error: the replay saw {violations} check violations and {errors} failed requests (details in results/replay.json).");
                return 1;
            }

            return 0;
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }
        }
    }

    private static JsonObject Analyse(ReplayWorkload workload, Sample[] samples, string[] skills, Dictionary<string, string> deployed, string oldVersion, long deployStart, long deployDone, VersionSwitch[] switches, Dictionary<string, long> redisCalls)
    {
        var requests = samples.Where(s => s.Skill >= 0).ToArray();
        var ok = requests.Where(s => s.Status == 200).ToArray();
        var hits = ok.Count(s => s.Cached);
        var computed = ok.Length - hits;
        var lastSwitch = switches.Max(s => s.FirstNew);

        // Versions: before the deploy started, the old one; once a host was seen serving the new one, the new one.
        var violations = new List<string>();
        violations.AddRange(switches.Select((w, h) => (w, h)).Where(x => x.w.FirstNew == long.MaxValue).Select(x => $"host {x.h} was never seen serving {NewVersion}"));
        var transition = 0;
        foreach (var s in ok)
        {
            var skill = skills[s.Skill];
            var expected = skill == DeployedSkill ? null : deployed[skill];
            if (expected is not null)
            {
                if (s.Version != expected)
                {
                    violations.Add($"{skill} served {s.Version}, deployed {expected}");
                }

                continue;
            }

            if (s.Done < deployStart && s.Version != oldVersion)
            {
                violations.Add($"{skill} served {s.Version} before the deploy");
            }
            else if (s.Sent > switches[s.Host].FirstNew && s.Version != NewVersion)
            {
                violations.Add($"{skill} served {s.Version} (cached: {s.Cached}) after host {s.Host} switched to {NewVersion}");
            }
            else if (s.Done >= deployStart && s.Sent <= switches[s.Host].FirstNew)
            {
                transition++;
            }
        }

        // One key (student, skill, version, features) never has two scores; and every key served from the cache was computed in this run.
        var groups = ok.GroupBy(s => (s.Student, s.Skill, s.Version, s.Revision)).ToArray();
        var inconsistent = groups.Count(g => g.Select(s => s.Score).Distinct().Count() > 1);
        var neverComputed = groups.Count(g => g.All(s => s.Cached));
        if (inconsistent > 0)
        {
            violations.Add($"{inconsistent} keys were answered with different scores");
        }

        if (neverComputed > 0)
        {
            violations.Add($"{neverComputed} keys were only ever served from the cache (stale)");
        }

        // The best any cache could do: a request is a compulsory miss the first time its key is asked (TTLs cover the day).
        var seen = new HashSet<(int, int, string, int)>();
        var compulsory = 0;
        foreach (var s in requests.OrderBy(s => s.Index))
        {
            var version = skills[s.Skill] == DeployedSkill ? (s.Due < deployStart ? oldVersion : NewVersion) : deployed[skills[s.Skill]];
            if (seen.Add((s.Student, s.Skill, version, s.Revision)))
            {
                compulsory++;
            }
        }

        // Layers: every memory miss asks Redis once (HGET); a Redis miss is computed. So Redis hits = HGETs - computed.
        var hget = redisCalls.GetValueOrDefault("hget");
        var redisHits = hget - computed;
        var memoryHits = ok.Length - hget;

        JsonObject Rate(IEnumerable<Sample> set)
        {
            var list = set.ToArray();
            return new JsonObject { ["requests"] = list.Length, ["hits"] = list.Count(s => s.Cached), ["hitRate"] = list.Length == 0 ? 0 : list.Count(s => s.Cached) / (double)list.Length };
        }

        var updates = samples.Where(s => s.Skill == -1 && s.Student >= 0).ToArray();
        return new JsonObject
        {
            ["summary"] = new JsonObject
            {
                ["requests"] = requests.Length,
                ["ok"] = ok.Length,
                ["errors"] = requests.Length - ok.Length + updates.Count(u => u.Status != 204),
                ["hitRate"] = hits / (double)ok.Length,
                ["idealHitRate"] = 1 - (compulsory / (double)requests.Length),
                ["hitLatencyMs"] = Percentiles.Of(ok.Where(s => s.Cached).Select(s => s.LatencyMs)),
                ["computedLatencyMs"] = Percentiles.Of(ok.Where(s => !s.Cached).Select(s => s.LatencyMs)),
                ["achievedRate"] = requests.Length / Stopwatch.GetElapsedTime(samples.Min(s => s.Sent), samples.Max(s => s.Done)).TotalSeconds,
            },
            ["layers"] = new JsonObject
            {
                ["redisHget"] = hget,
                ["memoryHits"] = memoryHits,
                ["redisHits"] = redisHits,
                ["computed"] = computed,
                ["memoryHitRate"] = memoryHits / (double)ok.Length,
                ["redisHitRate"] = redisHits / (double)ok.Length,
                ["consistent"] = hget >= computed && hget <= ok.Length,
                ["redisCommands"] = JsonSerializer.SerializeToNode(redisCalls),
            },
            ["phases"] = new JsonObject
            {
                ["beforeDeploy"] = Rate(ok.Where(s => s.Done < deployStart)),
                ["transition"] = Rate(ok.Where(s => s.Done >= deployStart && s.Sent <= lastSwitch)),
                ["afterDeploy"] = Rate(ok.Where(s => s.Sent > lastSwitch)),
                ["afterDeployDeployedSkill"] = Rate(ok.Where(s => s.Sent > lastSwitch && skills[s.Skill] == DeployedSkill)),
                ["afterDeployOtherSkills"] = Rate(ok.Where(s => s.Sent > lastSwitch && skills[s.Skill] != DeployedSkill)),
            },
            ["perSkill"] = new JsonObject(skills.Select((skill, k) => KeyValuePair.Create(skill, (JsonNode?)Rate(ok.Where(s => s.Skill == k))))),
            ["deploy"] = new JsonObject
            {
                ["registryWriteMs"] = Stopwatch.GetElapsedTime(deployStart, deployDone).TotalMilliseconds,
                ["hostsServingNewAfterMs"] = new JsonArray([.. switches.Select(s => (JsonNode?)JsonValue.Create(s.FirstNew == long.MaxValue ? double.NaN : Stopwatch.GetElapsedTime(deployStart, s.FirstNew).TotalMilliseconds))]),
                ["transitionResponses"] = transition,
            },
            ["invalidations"] = new JsonObject
            {
                ["calls"] = updates.Length,
                ["latencyMs"] = Percentiles.Of(updates.Select(u => u.LatencyMs)),
            },
            ["checks"] = new JsonObject
            {
                ["violations"] = violations.Count,
                ["examples"] = new JsonArray([.. violations.Distinct().Take(10).Select(v => (JsonNode?)v)]),
                ["keys"] = groups.Length,
                ["inconsistentKeys"] = inconsistent,
                ["keysNeverComputed"] = neverComputed,
            },
        };
    }

    /// <summary>Both hosts are connected to Redis (readiness reports the cache's state) before the day starts.</summary>
    private static async Task WaitForRedisAsync(HttpClient client, List<HostProcess> hosts)
    {
        foreach (var host in hosts)
        {
            for (var attempt = 0; ; attempt++)
            {
                var text = await client.GetStringAsync(new Uri(host.BaseAddress, "health/ready"));
                if (text.Contains("Redis reachable", StringComparison.Ordinal))
                {
                    break;
                }

                if (attempt > 100)
                {
                    throw new InvalidOperationException($"A host did not connect to Redis: {text}");
                }

                await Task.Delay(100);
            }
        }
    }

    /// <summary>Polls a host's models (GET /api/v1/skills/models; readiness no longer names versions) every 50 ms: when it was first seen serving the new version of the deployed skill.</summary>
    private static async Task<VersionSwitch> WatchVersionAsync(HttpClient client, HostProcess host, CancellationToken stop)
    {
        var firstNew = long.MaxValue;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var json = JsonDocument.Parse(await client.GetStringAsync(new Uri(host.BaseAddress, "api/v1/skills/models"), stop));
                var live = json.RootElement.GetProperty("skills").EnumerateArray().First(s => s.GetProperty("skill").GetString() == DeployedSkill).GetProperty("live").GetString();
                if (live == NewVersion && firstNew == long.MaxValue)
                {
                    // Requests sent from now on must get the new version.
                    firstNew = Stopwatch.GetTimestamp();
                }

                await Task.Delay(50, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return new VersionSwitch(firstNew);
    }

    private readonly record struct VersionSwitch(long FirstNew);

    private readonly record struct Sample(int Index, long Due, long Sent, long Done, int Status, int Host, int Student, int Skill, int Revision, double Score, string? Version, bool Cached)
    {
        public double LatencyMs => Stopwatch.GetElapsedTime(Sent, Done).TotalMilliseconds;
    }
}
