using SkillInference.Tests.Cli;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Integration;

/// <summary>The training-data export on a real PostgreSQL (eng/test.sh starts one and exports SKILLINF_TEST_POSTGRES).</summary>
[TestClass]
[TestCategory("Integration")]
public sealed class PostgresExportTrainingDataTests : ExportTrainingDataContractTests
{
    protected override Task<TestDatabase> CreateDatabaseAsync() => PostgresServer.CreateDatabaseAsync();

    [TestMethod]
    public async Task ExportTrainingData_WrongPassword_FailsWithoutEchoingIt()
    {
        var connection = new Npgsql.NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Password = "not-the-password-4711" }.ConnectionString;

        var result = await Skillinf.RunAsync("export", "training-data", "--db", connection, "--out", Path.Combine(TempDirectory.Create("export"), "data"), "--catalog", SampleStore.CatalogPath);

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        StringAssert.Contains(result.Error, "error: Reading PostgreSQL 127.0.0.1:");
        Assert.DoesNotContain("not-the-password-4711", result.Error + result.Output);
    }
}
