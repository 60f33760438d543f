using SkillInference.Tests.Infrastructure;
using SkillInference.Tests.Monitoring;

namespace SkillInference.Tests.Integration;

/// <summary>The validation contract on a real PostgreSQL.</summary>
[TestClass]
[TestCategory("Integration")]
public sealed class PostgresValidationContractTests : ValidationContractTests
{
    protected override Task<TestDatabase> CreateDatabaseAsync() => PostgresServer.CreateDatabaseAsync();
}
