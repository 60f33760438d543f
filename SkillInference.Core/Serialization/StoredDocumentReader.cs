using System.Globalization;
using System.Text;
using System.Text.Json;
using SkillInference.Bundles;
using SkillInference.Registry;
using SkillInference.Rollouts;
using SkillInference.Schema;

namespace SkillInference.Serialization;

/// <summary>
/// Reads <c>registry.json</c> and <c>manifest.json</c> with <see cref="Utf8JsonReader"/>, by hand.
/// </summary>
/// <remarks>
/// <para>
/// Every model load, every CLI command and every new host instance reads these two documents, so their first read is
/// on the start-up path. The reflection-based serializer spent about 150 ms there building metadata for ~20 record
/// types and compiling the accessors it emits (code that cannot be compiled ahead of time); this reader is plain code
/// that the host image precompiles. The source generator is no way out: it sets every init-only property when it
/// builds a record, so a field absent from the JSON would lose its documented default (dotnet/runtime#84484).
/// </para>
/// <para>
/// It reads what <see cref="SkillInferenceJsonContext"/> writes and accepts what that serializer accepts (comments,
/// trailing commas, <c>"NaN"</c>/<c>"Infinity"</c> for numbers, unknown properties, enum names in any case), with two
/// deliberate differences: a <c>null</c> for an optional property keeps its default (the serializer stored the null),
/// and a record's positional members are required (the serializer filled them with 0 or null). Each property keeps
/// the default its record declares: the record is copied with the value (<c>with</c>), so no default is repeated here.
/// The tests read generated documents with both and compare what they write back.
/// </para>
/// </remarks>
internal static class StoredDocumentReader
{
    private static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    private delegate T ValueReader<out T>(ref Utf8JsonReader reader, string path);

    /// <summary>Reads a registry document; null for a JSON <c>null</c>.</summary>
    /// <exception cref="JsonException">The JSON is malformed or does not describe a registry.</exception>
    public static RegistryDocument? ReadRegistry(ReadOnlySpan<byte> json) => ReadRoot(json, ReadRegistry);

    /// <summary>Reads a bundle manifest; null for a JSON <c>null</c>.</summary>
    /// <exception cref="JsonException">The JSON is malformed or does not describe a manifest.</exception>
    public static BundleManifest? ReadManifest(ReadOnlySpan<byte> json) => ReadRoot(json, ReadManifest);

    private static T? ReadRoot<T>(ReadOnlySpan<byte> json, ValueReader<T> read)
        where T : class
    {
        // A byte-order mark, as editors on Windows write one, is not JSON; skip it.
        var reader = new Utf8JsonReader(json.StartsWith("\uFEFF"u8) ? json[3..] : json, ReaderOptions);
        if (!reader.Read())
        {
            throw new JsonException("The document is empty.");
        }

        var value = reader.TokenType == JsonTokenType.Null ? null : read(ref reader, "$");
        if (reader.Read())
        {
            throw new JsonException($"'{reader.TokenType}' after the document's end.");
        }

        return value;
    }

    private static RegistryDocument ReadRegistry(ref Utf8JsonReader reader, string path)
    {
        var doc = new RegistryDocument();
        StartObject(ref reader, path);
        while (NextProperty(ref reader, out var name))
        {
            var at = $"{path}.{name}";
            doc = name switch
            {
                "registryVersion" => doc with { RegistryVersion = Int(ref reader, at) },
                "skills" => reader.TokenType == JsonTokenType.Null ? doc : doc with { Skills = Map(ref reader, at, ReadRegistration) },
                "updatedAt" => doc with { UpdatedAt = NullableDate(ref reader, at) },
                "updatedBy" => doc with { UpdatedBy = NullableText(ref reader, at) },
                _ => Skip(ref reader, doc),
            };
        }

        return doc;
    }

    private static SkillRegistration ReadRegistration(ref Utf8JsonReader reader, string path)
    {
        var registration = new SkillRegistration();
        StartObject(ref reader, path);
        while (NextProperty(ref reader, out var name))
        {
            var at = $"{path}.{name}";
            registration = name switch
            {
                "deployed" => registration with { Deployed = NullableText(ref reader, at) },
                "variants" => reader.TokenType == JsonTokenType.Null ? registration : registration with { Variants = List(ref reader, at, ReadVariant) },
                "experimentId" => registration with { ExperimentId = NullableText(ref reader, at) },
                "history" => reader.TokenType == JsonTokenType.Null ? registration : registration with { History = List(ref reader, at, ReadEvent) },
                "rollout" => registration with { Rollout = reader.TokenType == JsonTokenType.Null ? null : ReadRollout(ref reader, at) },
                "rollouts" => reader.TokenType == JsonTokenType.Null ? registration : registration with { PastRollouts = List(ref reader, at, ReadRollout) },
                _ => Skip(ref reader, registration),
            };
        }

        return registration;
    }

    private static TrafficVariant ReadVariant(ref Utf8JsonReader reader, string path)
    {
        var (version, weight) = ReadPair(ref reader, path, "version", Text, "weight", Double);
        return new TrafficVariant(version, weight);
    }

    private static RegistryEvent ReadEvent(ref Utf8JsonReader reader, string path)
    {
        var e = new RegistryEvent { Action = "", Actor = "" };
        var seen = Seen.None;
        StartObject(ref reader, path);
        while (NextProperty(ref reader, out var name))
        {
            var at = $"{path}.{name}";
            e = name switch
            {
                "action" => e with { Action = Text(ref reader, at, ref seen, Seen.First) },
                "version" => e with { Version = NullableText(ref reader, at) },
                "previous" => e with { Previous = NullableText(ref reader, at) },
                "actor" => e with { Actor = Text(ref reader, at, ref seen, Seen.Second) },
                "at" => e with { At = Date(ref reader, at) },
                "reason" => e with { Reason = NullableText(ref reader, at) },
                "variants" => e with { Variants = reader.TokenType == JsonTokenType.Null ? null : List(ref reader, at, ReadVariant) },
                _ => Skip(ref reader, e),
            };
        }

        CheckRequired(seen, Seen.First | Seen.Second, path, "action", "actor");
        return e;
    }

    private static RolloutPlan ReadRollout(ref Utf8JsonReader reader, string path)
    {
        var plan = new RolloutPlan { Id = "", Version = "", Stable = "", Steps = [], State = "", CreatedBy = "" };
        var seen = Seen.None;
        StartObject(ref reader, path);
        while (NextProperty(ref reader, out var name))
        {
            var at = $"{path}.{name}";
            plan = name switch
            {
                "id" => plan with { Id = Text(ref reader, at, ref seen, Seen.First) },
                "version" => plan with { Version = Text(ref reader, at, ref seen, Seen.Second) },
                "stable" => plan with { Stable = Text(ref reader, at, ref seen, Seen.Third) },
                "steps" => plan with { Steps = Mark(ref seen, Seen.Fourth, Doubles(ref reader, at)) },
                "bakeTime" => plan with { BakeTime = Duration(ref reader, at) },
                "guards" => reader.TokenType == JsonTokenType.Null ? plan : plan with { Guards = ReadGuards(ref reader, at) },
                "state" => plan with { State = Text(ref reader, at, ref seen, Seen.Fifth) },
                "step" => plan with { Step = Int(ref reader, at) },
                "weight" => plan with { Weight = Double(ref reader, at) },
                "reason" => plan with { Reason = NullableText(ref reader, at) },
                "stepStartedAt" => plan with { StepStartedAt = Date(ref reader, at) },
                "createdBy" => plan with { CreatedBy = Text(ref reader, at, ref seen, Seen.Sixth) },
                "createdAt" => plan with { CreatedAt = Date(ref reader, at) },
                "endedAt" => plan with { EndedAt = NullableDate(ref reader, at) },
                "decisions" => reader.TokenType == JsonTokenType.Null ? plan : plan with { Decisions = List(ref reader, at, ReadDecision) },
                "lastEvaluation" => plan with { LastEvaluation = reader.TokenType == JsonTokenType.Null ? null : ReadDecision(ref reader, at) },
                "lease" => plan with { Lease = reader.TokenType == JsonTokenType.Null ? null : ReadLease(ref reader, at) },
                _ => Skip(ref reader, plan),
            };
        }

        CheckRequired(seen, Seen.First | Seen.Second | Seen.Third | Seen.Fourth | Seen.Fifth | Seen.Sixth, path, "id", "version", "stable", "steps", "state", "createdBy");
        return plan;
    }

    private static RolloutGuards ReadGuards(ref Utf8JsonReader reader, string path)
    {
        var guards = new RolloutGuards();
        StartObject(ref reader, path);
        while (NextProperty(ref reader, out var name))
        {
            var at = $"{path}.{name}";
            guards = name switch
            {
                "maxErrorRate" => guards with { MaxErrorRate = Double(ref reader, at) },
                "maxLatencyP99Ms" => guards with { MaxLatencyP99Ms = Double(ref reader, at) },
                "maxScorePsi" => guards with { MaxScorePsi = Double(ref reader, at) },
                "srmAlpha" => guards with { SrmAlpha = Double(ref reader, at) },
                "minCorrelation" => guards with { MinCorrelation = Double(ref reader, at) },
                "correlationAlpha" => guards with { CorrelationAlpha = Double(ref reader, at) },
                "minSamples" => guards with { MinSamples = Int(ref reader, at) },
                _ => Skip(ref reader, guards),
            };
        }

        return guards;
    }

    private static RolloutDecision ReadDecision(ref Utf8JsonReader reader, string path)
    {
        var decision = new RolloutDecision { Action = "", Actor = "" };
        var seen = Seen.None;
        StartObject(ref reader, path);
        while (NextProperty(ref reader, out var name))
        {
            var at = $"{path}.{name}";
            decision = name switch
            {
                "at" => decision with { At = Date(ref reader, at) },
                "action" => decision with { Action = Text(ref reader, at, ref seen, Seen.First) },
                "step" => decision with { Step = Int(ref reader, at) },
                "weight" => decision with { Weight = Double(ref reader, at) },
                "actor" => decision with { Actor = Text(ref reader, at, ref seen, Seen.Second) },
                "reason" => decision with { Reason = NullableText(ref reader, at) },
                "guards" => reader.TokenType == JsonTokenType.Null ? decision : decision with { Guards = List(ref reader, at, ReadGuard) },
                _ => Skip(ref reader, decision),
            };
        }

        CheckRequired(seen, Seen.First | Seen.Second, path, "action", "actor");
        return decision;
    }

    private static GuardResult ReadGuard(ref Utf8JsonReader reader, string path)
    {
        var guard = new GuardResult { Guard = "", Status = "", Detail = "" };
        var seen = Seen.None;
        StartObject(ref reader, path);
        while (NextProperty(ref reader, out var name))
        {
            var at = $"{path}.{name}";
            guard = name switch
            {
                "guard" => guard with { Guard = Text(ref reader, at, ref seen, Seen.First) },
                "status" => guard with { Status = Text(ref reader, at, ref seen, Seen.Second) },
                "value" => guard with { Value = NullableDouble(ref reader, at) },
                "threshold" => guard with { Threshold = NullableDouble(ref reader, at) },
                "n" => guard with { N = reader.TokenType == JsonTokenType.Null ? null : Long(ref reader, at) },
                "minN" => guard with { MinN = reader.TokenType == JsonTokenType.Null ? null : Long(ref reader, at) },
                "detail" => guard with { Detail = Text(ref reader, at, ref seen, Seen.Third) },
                _ => Skip(ref reader, guard),
            };
        }

        CheckRequired(seen, Seen.First | Seen.Second | Seen.Third, path, "guard", "status", "detail");
        return guard;
    }

    private static RolloutLease ReadLease(ref Utf8JsonReader reader, string path)
    {
        var (holder, expires) = ReadPair(ref reader, path, "holder", Text, "expiresAt", Date);
        return new RolloutLease(holder, expires);
    }

    private static BundleManifest ReadManifest(ref Utf8JsonReader reader, string path)
    {
        var manifest = new BundleManifest { Skill = "", Version = "", Format = "", ModelFile = "", Sha256 = "", Features = [] };
        var seen = Seen.None;
        StartObject(ref reader, path);
        while (NextProperty(ref reader, out var name))
        {
            var at = $"{path}.{name}";
            manifest = name switch
            {
                "manifestVersion" => manifest with { ManifestVersion = Int(ref reader, at) },
                "skill" => manifest with { Skill = Text(ref reader, at, ref seen, Seen.First) },
                "version" => manifest with { Version = Text(ref reader, at, ref seen, Seen.Second) },
                "format" => manifest with { Format = Text(ref reader, at, ref seen, Seen.Third) },
                "modelFile" => manifest with { ModelFile = Text(ref reader, at, ref seen, Seen.Fourth) },
                "sha256" => manifest with { Sha256 = Text(ref reader, at, ref seen, Seen.Fifth) },
                "description" => reader.TokenType == JsonTokenType.Null ? manifest : manifest with { Description = Text(ref reader, at) },
                "features" => manifest with { Features = Mark(ref seen, Seen.Sixth, List(ref reader, at, ReadFeature)) },
                "scaler" => manifest with { Scaler = reader.TokenType == JsonTokenType.Null ? null : ReadScaler(ref reader, at) },
                "statistics" => reader.TokenType == JsonTokenType.Null ? manifest : manifest with { Statistics = List(ref reader, at, ReadStatistics) },
                "metrics" => reader.TokenType == JsonTokenType.Null ? manifest : manifest with { Metrics = ReadMetrics(ref reader, at) },
                "importance" => reader.TokenType == JsonTokenType.Null ? manifest : manifest with { Importance = List(ref reader, at, ReadImportance) },
                "reference" => reader.TokenType == JsonTokenType.Null ? manifest : manifest with { Reference = ReadReference(ref reader, at) },
                "trainedAt" => manifest with { TrainedAt = NullableDate(ref reader, at) },
                "trainingDataSha256" => manifest with { TrainingDataSha256 = NullableText(ref reader, at) },
                "treeCovers" => manifest with { TreeCovers = reader.TokenType == JsonTokenType.Null ? null : List(ref reader, at, Doubles) },
                "onnx" => manifest with { Onnx = reader.TokenType == JsonTokenType.Null ? null : ReadOnnx(ref reader, at) },
                "trainer" => reader.TokenType == JsonTokenType.Null ? manifest : manifest with { Trainer = ReadTrainer(ref reader, at) },
                _ => Skip(ref reader, manifest),
            };
        }

        CheckRequired(seen, Seen.First | Seen.Second | Seen.Third | Seen.Fourth | Seen.Fifth | Seen.Sixth, path, "skill", "version", "format", "modelFile", "sha256", "features");
        return manifest;
    }

    private static FeatureSpec ReadFeature(ref Utf8JsonReader reader, string path)
    {
        var spec = new FeatureSpec { Name = "" };
        var seen = Seen.None;
        StartObject(ref reader, path);
        while (NextProperty(ref reader, out var name))
        {
            var at = $"{path}.{name}";
            spec = name switch
            {
                "name" => spec with { Name = Text(ref reader, at, ref seen, Seen.First) },
                "group" => spec with { Group = Member(ref reader, at, FeatureGroups) },
                "description" => reader.TokenType == JsonTokenType.Null ? spec : spec with { Description = Text(ref reader, at) },
                "unit" => reader.TokenType == JsonTokenType.Null ? spec : spec with { Unit = Text(ref reader, at) },
                "min" => spec with { Min = Double(ref reader, at) },
                "max" => spec with { Max = Double(ref reader, at) },
                "required" => spec with { Required = Bool(ref reader, at) },
                "missing" => reader.TokenType == JsonTokenType.Null ? spec : spec with { Missing = ReadMissing(ref reader, at) },
                _ => Skip(ref reader, spec),
            };
        }

        CheckRequired(seen, Seen.First, path, "name");
        return spec;
    }

    private static MissingValueRule ReadMissing(ref Utf8JsonReader reader, string path)
    {
        MissingValueStrategy? rule = null;
        double? value = null;
        StartObject(ref reader, path);
        while (NextProperty(ref reader, out var name))
        {
            var at = $"{path}.{name}";
            switch (name)
            {
                case "rule": rule = Member(ref reader, at, MissingStrategies); break;
                case "value": value = NullableDouble(ref reader, at); break;
                default: reader.Skip(); break;
            }
        }

        return new MissingValueRule(Required(rule, path, "rule"), value);
    }

    private static ScalerParameters ReadScaler(ref Utf8JsonReader reader, string path)
    {
        var scaler = new ScalerParameters { Mean = [], Scale = [] };
        var seen = Seen.None;
        StartObject(ref reader, path);
        while (NextProperty(ref reader, out var name))
        {
            var at = $"{path}.{name}";
            scaler = name switch
            {
                "kind" => reader.TokenType == JsonTokenType.Null ? scaler : scaler with { Kind = Text(ref reader, at) },
                "mean" => scaler with { Mean = Mark(ref seen, Seen.First, Doubles(ref reader, at)) },
                "scale" => scaler with { Scale = Mark(ref seen, Seen.Second, Doubles(ref reader, at)) },
                _ => Skip(ref reader, scaler),
            };
        }

        CheckRequired(seen, Seen.First | Seen.Second, path, "mean", "scale");
        return scaler;
    }

    private static FeatureStatistics ReadStatistics(ref Utf8JsonReader reader, string path)
    {
        var stats = new FeatureStatistics { Name = "" };
        var seen = Seen.None;
        StartObject(ref reader, path);
        while (NextProperty(ref reader, out var name))
        {
            var at = $"{path}.{name}";
            stats = name switch
            {
                "name" => stats with { Name = Text(ref reader, at, ref seen, Seen.First) },
                "mean" => stats with { Mean = Double(ref reader, at) },
                "median" => stats with { Median = Double(ref reader, at) },
                "std" => stats with { Std = Double(ref reader, at) },
                "min" => stats with { Min = Double(ref reader, at) },
                "max" => stats with { Max = Double(ref reader, at) },
                "missingRate" => stats with { MissingRate = Double(ref reader, at) },
                _ => Skip(ref reader, stats),
            };
        }

        CheckRequired(seen, Seen.First, path, "name");
        return stats;
    }

    private static ModelMetrics ReadMetrics(ref Utf8JsonReader reader, string path)
    {
        var metrics = new ModelMetrics();
        StartObject(ref reader, path);
        while (NextProperty(ref reader, out var name))
        {
            var at = $"{path}.{name}";
            metrics = name switch
            {
                "auc" => metrics with { Auc = NullableDouble(ref reader, at) },
                "accuracy" => metrics with { Accuracy = NullableDouble(ref reader, at) },
                "logLoss" => metrics with { LogLoss = NullableDouble(ref reader, at) },
                "pearsonR" => metrics with { PearsonR = NullableDouble(ref reader, at) },
                "trainCount" => metrics with { TrainCount = NullableInt(ref reader, at) },
                "testCount" => metrics with { TestCount = NullableInt(ref reader, at) },
                "positiveRate" => metrics with { PositiveRate = NullableDouble(ref reader, at) },
                _ => Skip(ref reader, metrics),
            };
        }

        return metrics;
    }

    private static FeatureImportance ReadImportance(ref Utf8JsonReader reader, string path)
    {
        var (feature, gain) = ReadPair(ref reader, path, "feature", Text, "gain", Double);
        return new FeatureImportance(feature, gain);
    }

    private static ReferenceDistributions ReadReference(ref Utf8JsonReader reader, string path)
    {
        var reference = new ReferenceDistributions();
        StartObject(ref reader, path);
        while (NextProperty(ref reader, out var name))
        {
            var at = $"{path}.{name}";
            reference = name switch
            {
                "score" => reference with { Score = reader.TokenType == JsonTokenType.Null ? null : ReadHistogram(ref reader, at) },
                "features" => reader.TokenType == JsonTokenType.Null ? reference : reference with { Features = Map(ref reader, at, ReadHistogram) },
                _ => Skip(ref reader, reference),
            };
        }

        return reference;
    }

    private static Histogram ReadHistogram(ref Utf8JsonReader reader, string path)
    {
        var histogram = new Histogram { Edges = [], Counts = [] };
        var seen = Seen.None;
        StartObject(ref reader, path);
        while (NextProperty(ref reader, out var name))
        {
            var at = $"{path}.{name}";
            histogram = name switch
            {
                "edges" => histogram with { Edges = Mark(ref seen, Seen.First, Doubles(ref reader, at)) },
                "counts" => histogram with { Counts = Mark(ref seen, Seen.Second, List(ref reader, at, Long)) },
                "missing" => histogram with { Missing = Long(ref reader, at) },
                _ => Skip(ref reader, histogram),
            };
        }

        CheckRequired(seen, Seen.First | Seen.Second, path, "edges", "counts");
        return histogram;
    }

    private static OnnxSettings ReadOnnx(ref Utf8JsonReader reader, string path)
    {
        var onnx = new OnnxSettings();
        StartObject(ref reader, path);
        while (NextProperty(ref reader, out var name))
        {
            var at = $"{path}.{name}";
            onnx = name switch
            {
                "input" => onnx with { Input = NullableText(ref reader, at) },
                "output" => onnx with { Output = NullableText(ref reader, at) },
                "positiveIndex" => onnx with { PositiveIndex = NullableInt(ref reader, at) },
                _ => Skip(ref reader, onnx),
            };
        }

        return onnx;
    }

    private static TrainerDescription ReadTrainer(ref Utf8JsonReader reader, string path)
    {
        var trainer = new TrainerDescription();
        StartObject(ref reader, path);
        while (NextProperty(ref reader, out var name))
        {
            var at = $"{path}.{name}";
            trainer = name switch
            {
                "library" => reader.TokenType == JsonTokenType.Null ? trainer : trainer with { Library = Text(ref reader, at) },
                "algorithm" => reader.TokenType == JsonTokenType.Null ? trainer : trainer with { Algorithm = Text(ref reader, at) },
                "parameters" => reader.TokenType == JsonTokenType.Null ? trainer : trainer with { Parameters = Map(ref reader, at, Text) },
                _ => Skip(ref reader, trainer),
            };
        }

        return trainer;
    }

    // ---- structure ----

    private static void StartObject(ref Utf8JsonReader reader, string path)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Invalid(ref reader, path, "an object");
        }
    }

    /// <summary>Moves to the next property's value; false at the object's end.</summary>
    private static bool NextProperty(ref Utf8JsonReader reader, out string name)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.EndObject)
        {
            name = "";
            return false;
        }

        name = reader.GetString()!;
        reader.Read();
        return true;
    }

    private static T Skip<T>(ref Utf8JsonReader reader, T value)
    {
        reader.Skip();
        return value;
    }

    private static List<T> List<T>(ref Utf8JsonReader reader, string path, ValueReader<T> item)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw Invalid(ref reader, path, "an array");
        }

        var list = new List<T>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            list.Add(item(ref reader, $"{path}[{list.Count}]"));
        }

        return list;
    }

    private static List<double> Doubles(ref Utf8JsonReader reader, string path) => List(ref reader, path, Double);

    private static Dictionary<string, T> Map<T>(ref Utf8JsonReader reader, string path, ValueReader<T> value)
    {
        var map = new Dictionary<string, T>();
        StartObject(ref reader, path);
        while (NextProperty(ref reader, out var key))
        {
            map[key] = value(ref reader, $"{path}.{key}");
        }

        return map;
    }

    /// <summary>
    /// The two members of a positional record, both required (a <c>null</c> counts as absent), in any order; other
    /// members are skipped.
    /// </summary>
    private static (TFirst First, TSecond Second) ReadPair<TFirst, TSecond>(ref Utf8JsonReader reader, string path, string first, ValueReader<TFirst> readFirst, string second, ValueReader<TSecond> readSecond)
    {
        TFirst firstValue = default!;
        TSecond secondValue = default!;
        var seen = Seen.None;
        StartObject(ref reader, path);
        while (NextProperty(ref reader, out var name))
        {
            if (reader.TokenType == JsonTokenType.Null)
            {
                continue;
            }

            if (name == first)
            {
                firstValue = readFirst(ref reader, $"{path}.{name}");
                seen |= Seen.First;
            }
            else if (name == second)
            {
                secondValue = readSecond(ref reader, $"{path}.{name}");
                seen |= Seen.Second;
            }
            else
            {
                reader.Skip();
            }
        }

        CheckRequired(seen, Seen.First | Seen.Second, path, first, second);
        return (firstValue, secondValue);
    }

    // ---- scalars ----

    private static string Text(ref Utf8JsonReader reader, string path) =>
        reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw Invalid(ref reader, path, "a string");

    private static string Text(ref Utf8JsonReader reader, string path, ref Seen seen, Seen flag)
    {
        seen |= flag;
        return Text(ref reader, path);
    }

    private static string? NullableText(ref Utf8JsonReader reader, string path) =>
        reader.TokenType == JsonTokenType.Null ? null : Text(ref reader, path);

    private static int Int(ref Utf8JsonReader reader, string path) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var value) ? value : throw Invalid(ref reader, path, "a whole number (32-bit)");

    private static int? NullableInt(ref Utf8JsonReader reader, string path) =>
        reader.TokenType == JsonTokenType.Null ? null : Int(ref reader, path);

    private static long Long(ref Utf8JsonReader reader, string path) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) ? value : throw Invalid(ref reader, path, "a whole number (64-bit)");

    private static bool Bool(ref Utf8JsonReader reader, string path) => reader.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        _ => throw Invalid(ref reader, path, "true or false"),
    };

    /// <summary>A number, or one of the strings <c>"NaN"</c>, <c>"Infinity"</c>, <c>"-Infinity"</c> (as the serializer writes them).</summary>
    private static double Double(ref Utf8JsonReader reader, string path)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var value))
        {
            return value;
        }

        if (reader.TokenType == JsonTokenType.String)
        {
            if (reader.ValueTextEquals("NaN"u8))
            {
                return double.NaN;
            }

            if (reader.ValueTextEquals("Infinity"u8))
            {
                return double.PositiveInfinity;
            }

            if (reader.ValueTextEquals("-Infinity"u8))
            {
                return double.NegativeInfinity;
            }
        }

        throw Invalid(ref reader, path, "a number");
    }

    private static double? NullableDouble(ref Utf8JsonReader reader, string path) =>
        reader.TokenType == JsonTokenType.Null ? null : Double(ref reader, path);

    private static DateTimeOffset Date(ref Utf8JsonReader reader, string path) =>
        reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var value) ? value : throw Invalid(ref reader, path, "an ISO 8601 date and time");

    private static DateTimeOffset? NullableDate(ref Utf8JsonReader reader, string path) =>
        reader.TokenType == JsonTokenType.Null ? null : Date(ref reader, path);

    /// <summary>A duration as the serializer writes it: <c>[-][d.]hh:mm:ss[.fffffff]</c>.</summary>
    private static TimeSpan Duration(ref Utf8JsonReader reader, string path) =>
        reader.TokenType == JsonTokenType.String && TimeSpan.TryParseExact(reader.GetString(), "c", CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Invalid(ref reader, path, "a duration ([d.]hh:mm:ss[.fffffff])");

    private static readonly (string Name, FeatureGroup Value)[] FeatureGroups =
        [("linguistic", FeatureGroup.Linguistic), ("behavioral", FeatureGroup.Behavioral), ("other", FeatureGroup.Other)];

    private static readonly (string Name, MissingValueStrategy Value)[] MissingStrategies =
        [("native", MissingValueStrategy.Native), ("median", MissingValueStrategy.Median), ("mean", MissingValueStrategy.Mean), ("constant", MissingValueStrategy.Constant)];

    /// <summary>An enum member by its JSON name, in any case (as the serializer reads them), or by its number.</summary>
    private static T Member<T>(ref Utf8JsonReader reader, string path, (string Name, T Value)[] members)
        where T : struct, Enum
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            var text = reader.GetString();
            foreach (var (name, value) in members)
            {
                if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase))
                {
                    return value;
                }
            }
        }
        else if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var number))
        {
            foreach (var (_, value) in members)
            {
                if (Convert.ToInt32(value, CultureInfo.InvariantCulture) == number)
                {
                    return value;
                }
            }
        }

        throw new JsonException($"{path} must be one of {string.Join(", ", members.Select(m => $"\"{m.Name}\""))}.");
    }

    // ---- required members ----

    [Flags]
    private enum Seen
    {
        None = 0,
        First = 1,
        Second = 2,
        Third = 4,
        Fourth = 8,
        Fifth = 16,
        Sixth = 32,
    }

    private static T Mark<T>(ref Seen seen, Seen flag, T value)
    {
        seen |= flag;
        return value;
    }

    /// <summary>Throws naming the first required member (in <paramref name="names"/>' order, one per flag) not seen.</summary>
    private static void CheckRequired(Seen seen, Seen required, string path, params string[] names)
    {
        var missing = required & ~seen;
        if (missing == Seen.None)
        {
            return;
        }

        var absent = names.Where((_, i) => (missing & (Seen)(1 << i)) != 0).Select(n => $"'{n}'");
        throw new JsonException($"{path} lacks the required {string.Join(", ", absent)}.");
    }

    private static T Required<T>(T? value, string path, string name)
        where T : struct =>
        value ?? throw new JsonException($"{path} lacks the required '{name}'.");

    private static JsonException Invalid(ref Utf8JsonReader reader, string path, string expected) =>
        new($"{path} must be {expected}; found {Describe(ref reader)}.");

    /// <summary>What the reader is on: a scalar's text (shortened), or the kind of token.</summary>
    private static string Describe(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                var text = reader.GetString()!;
                return text.Length > 40 ? $"\"{text[..40]}…\"" : $"\"{text}\"";
            case JsonTokenType.Number:
                var raw = Encoding.UTF8.GetString(reader.ValueSpan);
                return raw.Length > 40 ? $"{raw[..40]}…" : raw;
            case JsonTokenType.StartObject:
                return "an object";
            case JsonTokenType.StartArray:
                return "an array";
            case JsonTokenType.True:
                return "true";
            case JsonTokenType.False:
                return "false";
            case JsonTokenType.Null:
                return "null";
            default:
                return reader.TokenType.ToString();
        }
    }
}
