using System.Globalization;

namespace SkillInference.Caching;

/// <summary>
/// What identifies a cached score: the student (as the cache names it, see <see cref="IInferenceCache.StudentKey"/>),
/// the skill, the model version and the keyed digest of the prepared features (<see cref="IInferenceCache.FeatureDigest"/>).
/// Any change of features or of the serving version is a different key, and a cache serves an entry only when the
/// digest stored with it equals the request's, so a cached score is always the score its key describes.
/// </summary>
/// <param name="StudentKey">The cache's key for the student.</param>
/// <param name="Skill">The skill id.</param>
/// <param name="ModelVersion">The version that scores.</param>
/// <param name="FeatureDigest">The cache's keyed 128-bit digest of the prepared features.</param>
public readonly record struct InferenceCacheKey(string StudentKey, string Skill, string ModelVersion, UInt128 FeatureDigest)
{
    /// <summary>The entry's name within the student's entries: <c>skill|version|digest</c> (32 hex digits).</summary>
    public string EntryName => string.Create(CultureInfo.InvariantCulture, $"{Skill}|{ModelVersion}|{FeatureDigest:x32}");
}
