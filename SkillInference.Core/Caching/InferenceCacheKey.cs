using System.Globalization;

namespace SkillInference.Caching;

/// <summary>
/// What identifies a cached score: the student (as the cache names it, see <see cref="IInferenceCache.StudentKey"/>),
/// the skill, the model version and the hash of the prepared features. Any change of features or of the serving
/// version is a different key, so a cached score is always the score its key describes.
/// </summary>
/// <param name="StudentKey">The cache's key for the student.</param>
/// <param name="Skill">The skill id.</param>
/// <param name="ModelVersion">The version that scores.</param>
/// <param name="FeatureHash">The hash of the prepared features (<see cref="Inference.FeatureHash"/>).</param>
public readonly record struct InferenceCacheKey(string StudentKey, string Skill, string ModelVersion, ulong FeatureHash)
{
    /// <summary>The entry's name within the student's entries: <c>skill|version|featureHash</c> (16 hex digits).</summary>
    public string EntryName => string.Create(CultureInfo.InvariantCulture, $"{Skill}|{ModelVersion}|{FeatureHash:x16}");
}
