using SkillInference.Tests.Cli;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Integration;

/// <summary>The skillinf batch commands end to end against a real PostgreSQL.</summary>
[TestClass]
[TestCategory("Integration")]
public sealed class PostgresCliTests
{
    [TestMethod]
    public async Task MigrateSynthRunStatus_Postgres_WorkEndToEnd()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        var store = SampleStore.Copy();

        var migrate = await Skillinf.RunAsync("db", "migrate", "--db", database.Connection);
        var synth = await Skillinf.RunAsync("synth", "students", "--count", "500", "--db", database.Connection, "--catalog", SampleStore.CatalogPath);
        var full = await Skillinf.RunAsync("batch", "run", "--mode", "full", "--db", database.Connection, "--store", store, "--shard-size", "200");
        var incremental = await Skillinf.RunAsync("batch", "run", "--mode", "incremental", "--db", database.Connection, "--store", store);
        var status = await Skillinf.RunAsync("batch", "status", "--db", database.Connection, "--limit", "5");

        Assert.AreEqual(0, migrate.ExitCode, migrate.ToString());
        Assert.Contains("applied 0001_batch_schema", migrate.Output);
        Assert.DoesNotContain("Password", migrate.Error + synth.Error, "credentials are never printed");
        Assert.AreEqual(0, synth.ExitCode, synth.ToString());
        Assert.AreEqual(0, full.ExitCode, full.ToString());
        Assert.Contains("500 scored of 500 planned, in 3/3 shards", full.Output);
        Assert.Contains("rows inserted 3,500", full.Output);
        Assert.AreEqual(0, incremental.ExitCode, incremental.ToString());
        Assert.Contains("0 scored of 0 planned", incremental.Output);
        Assert.AreEqual(0, status.ExitCode, status.ToString());
        Assert.HasCount(3, status.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [TestMethod]
    public async Task BatchRun_PostgresWithoutMigrations_ExitsOneTellingToMigrate()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();

        var result = await Skillinf.RunAsync("batch", "run", "--mode", "full", "--db", database.Connection, "--store", SampleStore.Copy());

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        Assert.Contains("skillinf db migrate", result.Error);
    }
}
