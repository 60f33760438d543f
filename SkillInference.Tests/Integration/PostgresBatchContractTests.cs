using SkillInference.Tests.Batch;
using SkillInference.Tests.Infrastructure;

namespace SkillInference.Tests.Integration;

/// <summary>The batch contract on a real PostgreSQL (eng/test.sh starts one and exports SKILLINF_TEST_POSTGRES).</summary>
[TestClass]
[TestCategory("Integration")]
public sealed class PostgresBatchContractTests : BatchContractTests
{
    protected override Task<TestDatabase> CreateDatabaseAsync() => PostgresServer.CreateDatabaseAsync();
}
