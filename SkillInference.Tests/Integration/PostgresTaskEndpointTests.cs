using System.Net;
using SkillInference.Tests.Host;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Integration;

/// <summary>The Cloud Tasks target over a real PostgreSQL: a shard is stored once however often it is delivered.</summary>
[TestClass]
[TestCategory("Integration")]
public sealed class PostgresTaskEndpointTests
{
    [TestMethod]
    public async Task Post_ShardDeliveredThreeTimes_StoredOnceWith200Each()
    {
        using var issuer = new GoogleIdTokenIssuer();
        await using var database = await PostgresServer.CreateDatabaseAsync();
        await using var factory = TaskHost.Create(issuer, new Dictionary<string, string?>
        {
            ["SkillInference:Database:Kind"] = "Postgres",
            ["SkillInference:Database:ConnectionString"] = database.Connection,
            ["SkillInference:Database:MigrateOnStartup"] = "true",
        });
        using var client = await factory.CreateReadyClientAsync();
        var task = await TaskHost.PlanOneShardAsync(factory, 200);

        var responses = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => TaskHost.PostAsync(client, task, issuer.Mint(TaskHost.Audience, TaskHost.Email), retryCount: i)));

        foreach (var response in responses)
        {
            Assert.AreEqual(HttpStatusCode.OK, response.StatusCode, await response.Content.ReadAsStringAsync());
            response.Dispose();
        }

        Assert.AreEqual(1400, await TaskHost.CountAssessmentsAsync(factory, task.RunId));
    }
}
