using SkillInference.Training;

namespace SkillInference.Tests.Batch;

/// <summary>Student ids of the seeded students.</summary>
public static class BatchHarnessIds
{
    public static string Of(int index) => SyntheticDataGenerator.StudentIdOf(index);
}
