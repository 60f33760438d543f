namespace SkillInference;

/// <summary>The base of every domain failure SkillInference reports. Each derived type has a <c>Kind</c>.</summary>
public abstract class SkillInferenceException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected SkillInferenceException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
