[assembly: Parallelize(Scope = ExecutionScope.ClassLevel)]

namespace SkillInference.Tests.Infrastructure;

[TestClass]
public static class AssemblySetup
{
    [AssemblyInitialize]
    public static async Task InitializeAsync(TestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        await SampleStore.EnsureCreatedAsync(context.CancellationTokenSource.Token);
    }

    [AssemblyCleanup]
    public static void Cleanup() => TempDirectory.DeleteAll();
}
