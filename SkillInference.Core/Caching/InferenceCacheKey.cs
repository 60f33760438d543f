namespace SkillInference.Caching;

/// <summary>
/// What identifies a cached score: the student (as a keyed hash, never the raw id), the skill, the model version and
/// the hash of the prepared features. Any change of features or of the serving version is a different key, so a cached
/// score is always the score its key describes.
/// </summary>
/// <param name="StudentKey">The keyed hash of the student id (see <see cref="StudentKeyHasher"/>).</param>
/// <param name="Skill">The skill id.</param>
/// <param name="ModelVersion">The version that scores.</param>
/// <param name="FeatureHash">The hash of the prepared features.</param>
public readonly record struct InferenceCacheKey(string StudentKey, string Skill, string ModelVersion, string FeatureHash)
{
    /// <summary>The entry's name within the student's entries: <c>skill|version|featureHash</c>.</summary>
    public string EntryName => $"{Skill}|{ModelVersion}|{FeatureHash}";
}
