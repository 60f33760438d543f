using System.Globalization;
using System.Text.Json.Nodes;
using SkillInference.GoogleCloud.Storage;
using SkillInference.Tests.Cli;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Integration;

/// <summary><c>skillinf ... --store gs://BUCKET/PREFIX</c> against the emulator works as it does with a folder.</summary>
[TestClass]
[TestCategory("Integration")]
public sealed class GcsCliTests
{
    [TestMethod]
    public async Task StoreCommands_GsLocation_PublishDeployListRollbackAndPredict()
    {
        await GcsEmulator.RequireAsync();
        var options = GcsEmulator.NewOptions("cli");
        var location = $"gs://{options.Bucket}/{options.Prefix}";
        using (var store = new GcsModelStore(options))
        {
            await GcsEmulator.CopyAsync(SampleStore.Path, store);
        }

        var bundle = TempDirectory.Create("bundle");
        await TestBundles.WithVersion(await SampleStore.LoadBundleAsync("collaboration"), "1.1.0").WriteDirectoryAsync(bundle);

        var publish = await Skillinf.RunAsync("publish", bundle, "--store", location, "--actor", "alice", "--deploy");
        var list = await Skillinf.RunAsync("models", "list", "--store", location);
        var rollback = await Skillinf.RunAsync("models", "rollback", "collaboration", "--store", location, "--actor", "bob", "--reason", "test");
        var csv = Path.Combine(TempDirectory.Create("predict"), "rows.csv");
        var schema = SampleStore.Catalog["collaboration"].Schema;
        var row = SampleRows.CompleteRequests(schema, 1)[0];
        await File.WriteAllTextAsync(csv, string.Join(',', schema.Features.Select(f => f.Name)) + "\n" + string.Join(',', schema.Features.Select(f => row[f.Name]!.Value.ToString("R", CultureInfo.InvariantCulture))) + "\n");
        var output = Path.Combine(Path.GetDirectoryName(csv)!, "scores.jsonl");
        var predict = await Skillinf.RunAsync("predict", "--store", location, "--skill", "collaboration", "--input", csv, "--output", output);

        Assert.AreEqual(0, publish.ExitCode, publish.ToString());
        Assert.Contains($"to {location}/skills/collaboration/1.1.0/", publish.Output);
        Assert.AreEqual(0, list.ExitCode, list.ToString());
        var collaboration = list.Output.Split('\n').Single(l => l.StartsWith("collaboration", StringComparison.Ordinal));
        Assert.Contains("1.1.0", collaboration);
        Assert.AreEqual(0, rollback.ExitCode, rollback.ToString());
        Assert.Contains("from 1.1.0 to 1.0.0", rollback.Output);
        Assert.AreEqual(0, predict.ExitCode, predict.ToString());
        var scored = JsonNode.Parse((await File.ReadAllLinesAsync(output))[0])!;
        Assert.AreEqual("1.0.0", scored["model_version"]!.GetValue<string>());
    }
}
