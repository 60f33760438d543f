using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SkillInference.Bundles;
using SkillInference.Registry;
using SkillInference.Rollouts;
using SkillInference.Schema;
using SkillInference.Serialization;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Core.Serialization;

/// <summary>
/// The hand-written reader of <c>registry.json</c> and <c>manifest.json</c> against the reflection-based serializer it
/// replaces on the read path: both read the same documents (generated, with optional members dropped, unknown ones,
/// comments and named floating-point literals added) and what each read is written back with the serializer and
/// compared byte for byte.
/// </summary>
[TestClass]
public sealed class StoredDocumentReaderTests
{
    private static readonly JsonSerializerOptions Serializer = SkillInferenceJsonContext.Default.Options;

    /// <summary>Members the serializer fills with 0 or null when absent and this reader requires (positional record members).</summary>
    private static readonly HashSet<string> Positional = ["weight", "gain", "rule", "holder", "expiresAt", "feature"];

    [TestMethod]
    public void ReadManifest_GeneratedManifests_ReadAsTheSerializerReadsThem() =>
        AssertReadsAsTheSerializer(20261207, GenerateManifest, json => StoredDocumentReader.ReadManifest(json));

    [TestMethod]
    public void ReadRegistry_GeneratedRegistries_ReadAsTheSerializerReadsThem() =>
        AssertReadsAsTheSerializer(71202026, GenerateRegistry, json => StoredDocumentReader.ReadRegistry(json));

    [TestMethod]
    public async Task ReadManifest_EverySampleManifestAndTheRegistry_ReadAsTheSerializerReadsThem()
    {
        var manifests = Directory.GetFiles(SampleStore.Path, "manifest.json", SearchOption.AllDirectories);
        Assert.IsGreaterThanOrEqualTo(7, manifests.Length);
        foreach (var path in manifests)
        {
            var bytes = await File.ReadAllBytesAsync(path, TestContext.CancellationToken);
            Assert.AreEqual(Write(JsonSerializer.Deserialize<BundleManifest>(bytes, Serializer)), Write(StoredDocumentReader.ReadManifest(bytes)), path);
        }

        var registry = await File.ReadAllBytesAsync(System.IO.Path.Combine(SampleStore.Path, ModelRegistry.RegistryPath), TestContext.CancellationToken);
        var read = StoredDocumentReader.ReadRegistry(registry)!;
        Assert.AreEqual(Write(JsonSerializer.Deserialize<RegistryDocument>(registry, Serializer)), Write(read));
        Assert.IsNotEmpty(read.Skills);
    }

    [TestMethod]
    public void ReadManifest_AbsentOptionalMembers_KeepTheRecordsDefaults()
    {
        const string json = """{"skill":"s","version":"1.0.0","format":"mlnet","modelFile":"model.zip","sha256":"ab","features":[{"name":"f"}]}""";

        var manifest = StoredDocumentReader.ReadManifest(Encoding.UTF8.GetBytes(json))!;

        var feature = manifest.Features.Single();
        Assert.AreEqual(double.MinValue, feature.Min);
        Assert.AreEqual(double.MaxValue, feature.Max);
        Assert.AreEqual(MissingValueRule.Native, feature.Missing);
        Assert.AreEqual(BundleManifest.CurrentManifestVersion, manifest.ManifestVersion);
        Assert.AreEqual("", manifest.Description);
        Assert.IsNotNull(manifest.Metrics);
        Assert.IsNotNull(manifest.Reference.Features);
        Assert.IsNull(manifest.Scaler);
    }

    [TestMethod]
    public void ReadManifest_NullForAnOptionalMember_KeepsItsDefault()
    {
        const string json = """{"skill":"s","version":"1.0.0","format":"mlnet","modelFile":"m","sha256":"ab","description":null,"metrics":null,"features":[{"name":"f","unit":null,"missing":null}]}""";

        var manifest = StoredDocumentReader.ReadManifest(Encoding.UTF8.GetBytes(json))!;

        Assert.AreEqual("", manifest.Description);
        Assert.IsNotNull(manifest.Metrics);
        Assert.AreEqual("", manifest.Features[0].Unit);
        Assert.AreEqual(MissingValueRule.Native, manifest.Features[0].Missing);
    }

    [TestMethod]
    [DataRow("""{"version":"1.0.0","format":"mlnet","modelFile":"m","sha256":"ab","features":[]}""", "$ lacks the required 'skill'", DisplayName = "required member absent")]
    [DataRow("""{"skill":"s","version":"1.0.0","format":"mlnet","modelFile":"m","sha256":"ab","features":[{"name":"f","min":"low"}]}""", "$.features[0].min must be a number; found \"low\".", DisplayName = "a string for a number")]
    [DataRow("""{"skill":"s","version":"1.0.0","format":"mlnet","modelFile":"m","sha256":"ab","features":[{"name":"f","group":"social"}]}""", "$.features[0].group must be one of \"linguistic\", \"behavioral\", \"other\"", DisplayName = "unknown enum name")]
    [DataRow("""{"skill":"s","version":"1.0.0","format":"mlnet","modelFile":"m","sha256":"ab","features":{"name":"f"}}""", "$.features must be an array; found an object.", DisplayName = "object for an array")]
    [DataRow("""{"skill":"s","version":"1.0.0","format":"mlnet","modelFile":"m","sha256":"ab","features":[],"manifestVersion":1.5}""", "$.manifestVersion must be a whole number", DisplayName = "fraction for an int")]
    [DataRow("""{"skill":"s","version":"1.0.0","format":"mlnet","modelFile":"m","sha256":"ab","features":[],"importance":[{"feature":"f"}]}""", "$.importance[0] lacks the required 'gain'", DisplayName = "positional member absent")]
    [DataRow("""{"skill":"s","version":"1.0.0","format":"mlnet","modelFile":"m","sha256":"ab","features":[]} {}""", "", DisplayName = "a second document")]
    [DataRow("""{"skill":"s","version":"1.0.0","format":"mlnet","modelFile":"m","sha256":"ab","features":[""", "", DisplayName = "truncated")]
    [DataRow("""[]""", "$ must be an object", DisplayName = "array root")]
    [DataRow("", "", DisplayName = "empty")]
    public void ReadManifest_InvalidDocuments_ThrowJsonExceptionNamingThePlace(string json, string expected)
    {
        var ex = Assert.Throws<JsonException>(() => StoredDocumentReader.ReadManifest(Encoding.UTF8.GetBytes(json)));

        Assert.Contains(expected, ex.Message);
    }

    [TestMethod]
    [DataRow("""{"skills":{"a":{"history":[{"action":"deploy","actor":"x","at":"yesterday"}]}}}""", "$.skills.a.history[0].at must be an ISO 8601 date and time; found \"yesterday\".", DisplayName = "date")]
    [DataRow("""{"skills":{"a":{"rollout":{"id":"r","version":"2.0.0","stable":"1.0.0","steps":[5],"state":"running","createdBy":"x","bakeTime":"ten minutes"}}}}""", "$.skills.a.rollout.bakeTime must be a duration", DisplayName = "duration")]
    [DataRow("""{"skills":{"a":{"rollout":{"id":"r","version":"2.0.0","stable":"1.0.0","state":"running"}}}}""", "$.skills.a.rollout lacks the required 'steps', 'createdBy'", DisplayName = "required members absent")]
    [DataRow("""{"skills":{"a":{"variants":[{"version":"1.0.0"}]}}}""", "$.skills.a.variants[0] lacks the required 'weight'", DisplayName = "variant weight absent")]
    [DataRow("""{"skills":{"a":{"history":[{"action":"deploy","actor":"x","variants":[{"weight":5}]}]}}}""", "$.skills.a.history[0].variants[0] lacks the required 'version'", DisplayName = "variant version absent")]
    [DataRow("""{"skills":[]}""", "$.skills must be an object", DisplayName = "skills not an object")]
    [DataRow("""{"registryVersion":99999999999}""", "$.registryVersion must be a whole number (32-bit); found 99999999999.", DisplayName = "int overflow")]
    public void ReadRegistry_InvalidDocuments_ThrowJsonExceptionNamingThePlace(string json, string expected)
    {
        var ex = Assert.Throws<JsonException>(() => StoredDocumentReader.ReadRegistry(Encoding.UTF8.GetBytes(json)));

        Assert.Contains(expected, ex.Message);
    }

    [TestMethod]
    public void ReadManifest_Utf8ByteOrderMark_IsSkipped()
    {
        var json = Encoding.UTF8.GetBytes("\uFEFF{\"skill\":\"s\",\"version\":\"1.0.0\",\"format\":\"mlnet\",\"modelFile\":\"m\",\"sha256\":\"ab\",\"features\":[]}");

        Assert.AreEqual("s", StoredDocumentReader.ReadManifest(json)!.Skill);
    }

    [TestMethod]
    public void ReadRegistry_NullDocument_IsNull() =>
        Assert.IsNull(StoredDocumentReader.ReadRegistry("  null /* nothing */ "u8));

    [TestMethod]
    public void ReadRegistry_DeeplyNestedUnknownMember_IsRefusedAtTheSerializersDepth()
    {
        var json = "{\"x\":" + new string('[', 100) + new string(']', 100) + "}";

        Assert.Throws<JsonException>(() => StoredDocumentReader.ReadRegistry(Encoding.UTF8.GetBytes(json)));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<RegistryDocument>(json, Serializer));
    }

    public TestContext TestContext { get; set; } = null!;

    private static string Write<T>(T value) => JsonSerializer.Serialize(value, Serializer);

    /// <summary>400 generated documents, mutated: what the reader reads, written back, equals what the serializer reads.</summary>
    private static void AssertReadsAsTheSerializer<T>(int seed, Func<Random, T> generate, Func<byte[], T?> read)
    {
        var random = new Random(seed);
        for (var i = 0; i < 400; i++)
        {
            var json = Mutate(JsonSerializer.SerializeToNode(generate(random), Serializer)!, random);

            var expected = Write(JsonSerializer.Deserialize<T>(json, Serializer));
            var actual = Write(read(Encoding.UTF8.GetBytes(json)));

            Assert.AreEqual(expected, actual, $"document {i}: {json}");
        }
    }

    /// <summary>
    /// Drops some optional members (never the ones the serializer would fill with 0 or null), adds unknown members,
    /// reorders an object's members, and writes the JSON with comments and trailing commas now and then.
    /// </summary>
    private static string Mutate(JsonNode node, Random random)
    {
        Walk(node, "$");
        var json = node.ToJsonString(new JsonSerializerOptions { WriteIndented = random.Next(2) == 0 });
        return random.Next(4) == 0 ? $"// written by hand\n{json.Replace("[", "[ /* list */ ", StringComparison.Ordinal)}" : json;

        void Walk(JsonNode? n, string parent)
        {
            // The dictionaries' members are entries, not properties: an unknown one would be a skill, a histogram or a parameter.
            var map = parent is "skills" or "parameters" || (parent == "features" && n is JsonObject);
            switch (n)
            {
                case JsonObject o:
                    foreach (var (key, _) in o.ToList())
                    {
                        if (random.Next(6) == 0 && !Positional.Contains(key) && !IsRequired(key))
                        {
                            o.Remove(key);
                        }
                    }

                    if (!map && random.Next(5) == 0)
                    {
                        o["x-unknown"] = JsonNode.Parse("""{"nested":[1,{"deep":[true,null]}],"s":"é\"\\"}""");
                    }

                    if (random.Next(3) == 0)
                    {
                        var members = o.ToList();
                        o.Clear();
                        foreach (var (key, value) in members.OrderBy(_ => random.Next()))
                        {
                            o[key] = value;
                        }
                    }

                    foreach (var (name, value) in o.ToList())
                    {
                        Walk(value, name);
                    }

                    break;
                case JsonArray a:
                    foreach (var item in a)
                    {
                        Walk(item, "[]");
                    }

                    break;
            }
        }
    }

    /// <summary>A member some record requires (dropping it makes both readers refuse the document, tested apart).</summary>
    private static bool IsRequired(string key) => key is "skill" or "version" or "format" or "modelFile" or "sha256" or "features" or "name"
        or "action" or "actor" or "id" or "stable" or "steps" or "state" or "createdBy" or "guard" or "status" or "detail"
        or "mean" or "scale" or "edges" or "counts";

    private static BundleManifest GenerateManifest(Random random)
    {
        var count = random.Next(1, 6);
        var names = Enumerable.Range(0, count).Select(i => $"f{i}_{Word(random)}").ToArray();
        return new BundleManifest
        {
            ManifestVersion = random.Next(3) == 0 ? 2 : 1,
            Skill = Word(random),
            Version = $"{random.Next(5)}.{random.Next(5)}.{random.Next(5)}",
            Format = random.Next(2) == 0 ? "mlnet" : "xgboost-json",
            ModelFile = "model.zip",
            Sha256 = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()),
            Description = random.Next(2) == 0 ? "" : Text(random),
            Features = names.Select(n => new FeatureSpec
            {
                Name = n,
                Group = (FeatureGroup)random.Next(3),
                Description = Text(random),
                Unit = random.Next(2) == 0 ? "" : "words/min",
                Min = Number(random),
                Max = Number(random),
                Required = random.Next(2) == 0,
                Missing = random.Next(4) switch
                {
                    0 => MissingValueRule.Native,
                    1 => MissingValueRule.Median,
                    2 => MissingValueRule.Mean,
                    _ => MissingValueRule.Constant(Number(random)),
                },
            }).ToList(),
            Scaler = random.Next(2) == 0 ? null : new ScalerParameters { Kind = random.Next(2) == 0 ? "standard" : "minmax", Mean = Numbers(random, count), Scale = Numbers(random, count) },
            Statistics = names.Select(n => new FeatureStatistics { Name = n, Mean = Number(random), Median = Number(random), Std = Number(random), Min = Number(random), Max = Number(random), MissingRate = random.NextDouble() }).ToList(),
            Metrics = new ModelMetrics
            {
                Auc = Maybe(random, random.NextDouble()),
                Accuracy = Maybe(random, random.NextDouble()),
                LogLoss = Maybe(random, Number(random)),
                PearsonR = Maybe(random, random.NextDouble()),
                TrainCount = random.Next(2) == 0 ? null : random.Next(),
                TestCount = random.Next(2) == 0 ? null : random.Next(),
                PositiveRate = Maybe(random, random.NextDouble()),
            },
            Importance = names.Select(n => new FeatureImportance(n, Number(random))).ToList(),
            Reference = new ReferenceDistributions
            {
                Score = random.Next(2) == 0 ? null : Histogram(random),
                Features = names.Where(_ => random.Next(2) == 0).ToDictionary(n => n, _ => Histogram(random)),
            },
            TrainedAt = random.Next(2) == 0 ? null : Date(random),
            TrainingDataSha256 = random.Next(2) == 0 ? null : "00ff",
            TreeCovers = random.Next(2) == 0 ? null : Enumerable.Range(0, random.Next(4)).Select(_ => (IReadOnlyList<double>)Numbers(random, random.Next(5))).ToList(),
            Onnx = random.Next(2) == 0 ? null : new OnnxSettings { Input = Maybe(random, "input"), Output = Maybe(random, "probabilities"), PositiveIndex = random.Next(2) == 0 ? null : random.Next(2) },
            Trainer = new TrainerDescription { Library = Text(random), Algorithm = Word(random), Parameters = Enumerable.Range(0, random.Next(4)).ToDictionary(i => $"p{i}", _ => Text(random)) },
        };
    }

    private static RegistryDocument GenerateRegistry(Random random)
    {
        var skills = new SortedDictionary<string, SkillRegistration>(StringComparer.Ordinal);
        for (var s = random.Next(4); s > 0; s--)
        {
            skills[$"{Word(random)}{s}"] = new SkillRegistration
            {
                Deployed = Maybe(random, "1.0.0"),
                Variants = Enumerable.Range(0, random.Next(3)).Select(i => new TrafficVariant($"1.{i}.0", Number(random))).ToList(),
                ExperimentId = Maybe(random, Guid.NewGuid().ToString("N")),
                History = Enumerable.Range(0, random.Next(4)).Select(_ => new RegistryEvent
                {
                    Action = random.Next(2) == 0 ? RegistryActions.Deploy : RegistryActions.Rollback,
                    Version = Maybe(random, "2.0.0"),
                    Previous = Maybe(random, "1.0.0"),
                    Actor = Text(random),
                    At = Date(random),
                    Reason = Maybe(random, Text(random)),
                    Variants = random.Next(2) == 0 ? null : [new TrafficVariant("2.0.0", 10)],
                }).ToList(),
                Rollout = random.Next(2) == 0 ? null : Rollout(random),
                PastRollouts = Enumerable.Range(0, random.Next(3)).Select(_ => Rollout(random)).ToList(),
            };
        }

        return new RegistryDocument
        {
            RegistryVersion = random.Next(1, 3),
            Skills = skills,
            UpdatedAt = random.Next(2) == 0 ? null : Date(random),
            UpdatedBy = Maybe(random, Text(random)),
        };
    }

    private static RolloutPlan Rollout(Random random) => new()
    {
        Id = Guid.NewGuid().ToString("N"),
        Version = "2.0.0",
        Stable = "1.0.0",
        Steps = Numbers(random, random.Next(1, 4)),
        BakeTime = TimeSpan.FromTicks(random.NextInt64(-TimeSpan.TicksPerDay, 40 * TimeSpan.TicksPerDay)),
        Guards = new RolloutGuards { MaxErrorRate = random.NextDouble(), MaxLatencyP99Ms = Number(random), MaxScorePsi = random.NextDouble(), SrmAlpha = random.NextDouble(), MinCorrelation = random.NextDouble(), CorrelationAlpha = random.NextDouble(), MinSamples = random.Next() },
        State = random.Next(2) == 0 ? RolloutStates.Running : RolloutStates.Promoted,
        Step = random.Next(5),
        Weight = Number(random),
        Reason = Maybe(random, Text(random)),
        StepStartedAt = Date(random),
        CreatedBy = Text(random),
        CreatedAt = Date(random),
        EndedAt = random.Next(2) == 0 ? null : Date(random),
        Decisions = Enumerable.Range(0, random.Next(3)).Select(_ => Decision(random)).ToList(),
        LastEvaluation = random.Next(2) == 0 ? null : Decision(random),
        Lease = random.Next(2) == 0 ? null : new RolloutLease(Text(random), Date(random)),
    };

    private static RolloutDecision Decision(Random random) => new()
    {
        At = Date(random),
        Action = "advance",
        Step = random.Next(5),
        Weight = Number(random),
        Actor = Text(random),
        Reason = Maybe(random, Text(random)),
        Guards = Enumerable.Range(0, random.Next(3)).Select(_ => new GuardResult
        {
            Guard = Word(random),
            Status = GuardStatus.Pass,
            Value = Maybe(random, Number(random)),
            Threshold = Maybe(random, Number(random)),
            N = random.Next(2) == 0 ? null : random.NextInt64(),
            MinN = random.Next(2) == 0 ? null : random.NextInt64(),
            Detail = Text(random),
        }).ToList(),
    };

    private static Histogram Histogram(Random random)
    {
        var bins = random.Next(1, 6);
        return new Histogram { Edges = Numbers(random, bins + 1), Counts = Enumerable.Range(0, bins).Select(_ => random.NextInt64(0, long.MaxValue)).ToList(), Missing = random.NextInt64(0, 1000) };
    }

    private static T? Maybe<T>(Random random, T value) => random.Next(2) == 0 ? default : value;

    private static double? Maybe(Random random, double value) => random.Next(2) == 0 ? null : value;

    private static List<double> Numbers(Random random, int count) => Enumerable.Range(0, count).Select(_ => Number(random)).ToList();

    /// <summary>Doubles of every kind the documents hold: small, huge, tiny, negative, integral, the named literals.</summary>
    private static double Number(Random random) => random.Next(12) switch
    {
        0 => double.NaN,
        1 => double.PositiveInfinity,
        2 => double.NegativeInfinity,
        3 => double.MaxValue,
        4 => double.MinValue,
        5 => double.Epsilon,
        6 => random.Next(-1000, 1000),
        7 => BitConverter.Int64BitsToDouble(random.NextInt64()) is var d && double.IsFinite(d) ? d : 0.1,
        8 => -0.0,
        _ => (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-10, 10)),
    };

    private static DateTimeOffset Date(Random random) =>
        new DateTimeOffset(random.NextInt64(DateTimeOffset.UnixEpoch.Ticks, DateTimeOffset.UnixEpoch.Ticks + (100L * 365 * TimeSpan.TicksPerDay)), TimeSpan.Zero)
            .ToOffset(TimeSpan.FromMinutes(random.Next(-14 * 4, 14 * 4) * 15));

    private static string Word(Random random) => new(Enumerable.Range(0, random.Next(1, 9)).Select(_ => (char)('a' + random.Next(26))).ToArray());

    private static string Text(Random random) => random.Next(5) switch
    {
        0 => "",
        1 => "quote \" backslash \\ tab \t newline \n",
        2 => "élève — 学生 😀",
        3 => "<script>&amp;</script>",
        _ => Word(random),
    };
}
