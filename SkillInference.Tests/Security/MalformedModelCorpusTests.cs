using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using SkillInference.Tests.Cli;
using SkillInference.Tests.Host;
using SkillInference.Tests.Infrastructure;
using SkillInference.Trees;

namespace SkillInference.Tests.Security;

/// <summary>
/// Finding 6 (and 7): hostile model files for every format — a cycle, children shared between nodes (an exponential
/// walk), huge declared counts, deep chains, truncated files, wrong checksums. Each is refused with an error that
/// names the problem within a second; the process stays up (a recursive walk of a cycle would kill this test process
/// with a stack overflow); in a host the other skills keep serving.
/// </summary>
[TestClass]
public sealed class MalformedModelCorpusTests
{
    /// <summary>A tree of <paramref name="left"/>/<paramref name="right"/> children (-1 = leaf), all splits on feature 0.</summary>
    private static string Tree(int[] left, int[] right)
    {
        var n = left.Length;
        string Array(Func<int, string> value) => "[" + string.Join(", ", Enumerable.Range(0, n).Select(value)) + "]";
        return $$"""
            { "left_children": {{Array(i => left[i].ToString(System.Globalization.CultureInfo.InvariantCulture))}}, "right_children": {{Array(i => right[i].ToString(System.Globalization.CultureInfo.InvariantCulture))}},
              "split_type": {{Array(_ => "0")}}, "sum_hessian": {{Array(_ => "1.0")}}, "loss_changes": {{Array(_ => "1.0")}},
              "split_indices": {{Array(_ => "0")}}, "split_conditions": {{Array(_ => "0.5")}}, "default_left": {{Array(_ => "0")}} }
            """;
    }

    private static string Model(string tree, string numFeature = "2") => $$"""
        { "learner": { "attributes": {}, "feature_names": [], "feature_types": [],
            "gradient_booster": { "name": "gbtree", "model": { "gbtree_model_param": { "num_parallel_tree": "1", "num_trees": "1" }, "trees": [{{tree}}], "tree_info": [0] } },
            "learner_model_param": { "base_score": "5E-1", "num_class": "0", "num_feature": "{{numFeature}}", "num_target": "1" },
            "objective": { "name": "binary:logistic", "reg_loss_param": { "scale_pos_weight": "1" } } },
          "version": [1, 7, 4] }
        """;

    /// <summary>Nodes 1 and 3 point at each other: 0 → 1 → 3 → 1 → ...</summary>
    private static string Cycle => Model(Tree([1, 3, -1, 1, -1], [2, 4, -1, 4, -1]));

    /// <summary>A chain of 64 nodes whose two children are both the next node: 2^63 root-to-leaf paths.</summary>
    private static string SharedChildren => Model(Tree([.. Enumerable.Range(1, 63), -1], [.. Enumerable.Range(1, 63), -1]));

    /// <summary>A chain 300 levels deep (each node's right child a leaf).</summary>
    private static string TooDeep
    {
        get
        {
            const int depth = 300;
            var left = new int[(2 * depth) + 1];
            var right = new int[left.Length];
            Array.Fill(left, -1);
            Array.Fill(right, -1);
            for (var i = 0; i < depth; i++)
            {
                left[2 * i] = 2 * (i + 1);
                right[2 * i] = (2 * i) + 1;
            }

            return Model(Tree(left, right));
        }
    }

    public static IEnumerable<object[]> XGBoostCorpus =>
    [
        ["cycle", Cycle, "twice"],
        ["shared children", SharedChildren, "twice"],
        ["too deep", TooDeep, "deeper than"],
        ["2e9 features", Model(Tree([1, -1, -1], [2, -1, -1]), numFeature: "2000000000"), "2000000000 features"],
        ["features overflow int", Model(Tree([1, -1, -1], [2, -1, -1]), numFeature: "99999999999"), "cannot be read"],
        ["truncated", Cycle[..(Cycle.Length / 2)], "not JSON"],
    ];

    [TestMethod]
    [DynamicData(nameof(XGBoostCorpus))]
    public void Compile_HostileXGBoostModel_IsRefusedWithinASecondNamingTheProblem(string name, string json, string named)
    {
        var started = Stopwatch.GetTimestamp();

        var ex = Assert.ThrowsExactly<ModelImportException>(() => XGBoostJsonImporter.Compile(Encoding.UTF8.GetBytes(json)), name);

        Assert.IsLessThan(1.0, Stopwatch.GetElapsedTime(started).TotalSeconds, $"{name} took too long");
        Assert.AreEqual(ModelImportErrorKind.Malformed, ex.Kind);
        Assert.Contains(named, ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The command line that crashed: <c>skillinf import xgboost</c> on a cyclic model prints an error and exits non-zero.</summary>
    [TestMethod]
    public async Task ImportXGBoost_CyclicModel_PrintsAnErrorAndExitsNonZero()
    {
        var dir = TempDirectory.Create("cyclic-import");
        var model = Path.Combine(dir, "model.json");
        await File.WriteAllTextAsync(model, Cycle);

        var result = await Skillinf.RunAsync("import", "xgboost", "--model", model, "--skill", "collaboration", "--version", "9.0.0", "--store", Path.Combine(dir, "store"));

        Assert.AreNotEqual(0, result.ExitCode);
        Assert.Contains("error: ", result.Error);
        Assert.Contains("twice", result.Error);
    }

    public static IEnumerable<object[]> BundleCorpus =>
    [
        ["xgboost-json cycle", "xgboost-json", "model.json", Encoding.UTF8.GetBytes(Cycle), true],
        ["xgboost-json shared children", "xgboost-json", "model.json", Encoding.UTF8.GetBytes(SharedChildren), true],
        ["xgboost-json huge counts", "xgboost-json", "model.json", Encoding.UTF8.GetBytes(Model(Tree([1, -1, -1], [2, -1, -1]), numFeature: "2000000000")), true],
        ["xgboost-json wrong checksum", "xgboost-json", "model.json", Encoding.UTF8.GetBytes(Model(Tree([1, -1, -1], [2, -1, -1]))), false],
        ["mlnet truncated", "mlnet", "model.zip", null!, true],
        ["mlnet wrong checksum", "mlnet", "model.zip", null!, false],
        ["onnx truncated", "onnx", "model.onnx", new byte[] { 0x08, 0x07, 0x12, 0x07, 0x62, 0x61 }, true],
    ];

    /// <summary>A host whose store holds one hostile bundle: that skill is not served, the six others are, and the process answers.</summary>
    [TestMethod]
    [DynamicData(nameof(BundleCorpus))]
    public async Task Host_OneHostileBundle_OtherSkillsKeepServing(string name, string format, string file, byte[]? bytes, bool checksumMatches)
    {
        const string hostile = "creativity";
        var store = SampleStore.Copy();
        var folder = Path.Combine(store, "skills", hostile, "1.0.0");
        var manifestPath = Path.Combine(folder, "manifest.json");
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(manifestPath))!;
        var original = Path.Combine(folder, manifest["modelFile"]!.GetValue<string>());
        bytes ??= (await File.ReadAllBytesAsync(original))[..512];
        File.Delete(original);
        await File.WriteAllBytesAsync(Path.Combine(folder, file), bytes);
        manifest["format"] = format;
        manifest["modelFile"] = file;
        manifest["sha256"] = checksumMatches ? Convert.ToHexStringLower(SHA256.HashData(bytes)) : new string('0', 64);
        await File.WriteAllTextAsync(manifestPath, manifest.ToJsonString());
        await using var factory = new SkillInferenceHostFactory(store);

        var started = Stopwatch.GetTimestamp();
        using var client = await factory.CreateInitializedClientAsync();

        Assert.IsLessThan(30.0, Stopwatch.GetElapsedTime(started).TotalSeconds, $"{name}: the first load took too long");
        var failure = factory.Inference.Status.Failures.Single(f => f.Skill == hostile);
        Assert.IsFalse(string.IsNullOrWhiteSpace(failure.Reason), name);
        foreach (var skill in SampleStore.Catalog.Skills.Select(s => s.Id))
        {
            var features = SampleRows.CompleteRequests(SampleStore.Catalog[skill].Schema, 1)[0];
            using var response = await client.PostAsJsonAsync(new Uri("/api/v1/skills/infer", UriKind.Relative), new { skill, features });
            Assert.AreEqual(skill == hostile ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK, response.StatusCode, $"{name}: {skill}");
        }

        using var live = await client.GetAsync(new Uri("/health/live", UriKind.Relative));
        Assert.AreEqual(HttpStatusCode.OK, live.StatusCode);
    }
}
