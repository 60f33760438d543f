using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Cli;

[TestClass]
public sealed class BatchCommandTests
{
    [TestMethod]
    public async Task DbMigrate_NewSqliteFile_AppliesOnceThenIsUpToDate()
    {
        var db = Path.Combine(TempDirectory.Create("cli-db"), "skills.db");

        var first = await Skillinf.RunAsync("db", "migrate", "--db", db);
        var second = await Skillinf.RunAsync("db", "migrate", "--db", db);

        Assert.AreEqual(0, first.ExitCode, first.ToString());
        Assert.Contains("applied 0001_batch_schema", first.Output);
        Assert.AreEqual(0, second.ExitCode, second.ToString());
        Assert.Contains("up to date", second.Error);
    }

    [TestMethod]
    public async Task SynthStudentsThenBatchRun_Sqlite_ScoresEveryStudentAndShowsTheRun()
    {
        var db = Path.Combine(TempDirectory.Create("cli-db"), "skills.db");
        var store = SampleStore.Copy();

        var synth = await Skillinf.RunAsync("synth", "students", "--count", "300", "--seed", "5", "--db", db, "--catalog", SampleStore.CatalogPath);
        var full = await Skillinf.RunAsync("batch", "run", "--mode", "full", "--db", db, "--store", store, "--shard-size", "128");
        var incremental = await Skillinf.RunAsync("batch", "run", "--mode", "incremental", "--db", db, "--store", store);
        var status = await Skillinf.RunAsync("batch", "status", "--db", db);

        Assert.AreEqual(0, synth.ExitCode, synth.ToString());
        Assert.Contains("Wrote 300 students", synth.Error);
        Assert.AreEqual(0, full.ExitCode, full.ToString());
        Assert.Contains("(full) succeeded", full.Output);
        Assert.Contains("300 scored of 300 planned, in 3/3 shards", full.Output);
        Assert.Contains("predictions  2,100; rows inserted 2,100; failures 0", full.Output);
        Assert.Contains("students/s", full.Output);
        Assert.AreEqual(0, incremental.ExitCode, incremental.ToString());
        Assert.Contains("0 scored of 0 planned", incremental.Output);
        Assert.AreEqual(0, status.ExitCode, status.ToString());
        var lines = status.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("RUN", lines[0]);
        Assert.HasCount(3, lines);
        Assert.Contains("incremental", lines[1], "newest first");
        Assert.Contains("full", lines[2]);
        Assert.Contains("2,100", lines[2]);
    }

    [TestMethod]
    public async Task BatchStatus_NoRunYet_SaysSo()
    {
        var db = Path.Combine(TempDirectory.Create("cli-db"), "skills.db");

        var status = await Skillinf.RunAsync("batch", "status", "--db", db);

        Assert.AreEqual(0, status.ExitCode, status.ToString());
        Assert.Contains("No batch run yet", status.Error);
    }

    [TestMethod]
    public async Task SynthStudents_NonPositiveCount_ExitsOne()
    {
        var db = Path.Combine(TempDirectory.Create("cli-db"), "skills.db");

        var result = await Skillinf.RunAsync("synth", "students", "--count", "0", "--db", db, "--catalog", SampleStore.CatalogPath);

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        Assert.Contains("--count", result.Error);
    }

    [TestMethod]
    public async Task BatchRun_StoreWithoutModels_ExitsOneSayingWhy()
    {
        var db = Path.Combine(TempDirectory.Create("cli-db"), "skills.db");

        var result = await Skillinf.RunAsync("batch", "run", "--mode", "full", "--db", db, "--store", TempDirectory.Create("empty-store"));

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        Assert.Contains("error: No skill is deployed", result.Error);
    }
}
