namespace SkillInference.Tests.Infrastructure;

/// <summary>The source checkout the tests run from (the folder holding SkillInference.sln).</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "SkillInference.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The tests must run from a SkillInference checkout (SkillInference.sln not found above the test binaries).");
    }
}
