"""Every feature's models, imported in one place so the metadata (and
Alembic's autogenerate) always sees the whole schema."""
from trainer.people.models import Department, Role, User, UserRole  # noqa: F401
from trainer.auth.models import LoginThrottle  # noqa: F401
from trainer.content.models import (  # noqa: F401
    Module, ModuleCompletion, ModuleQualification, ModuleSection, ModuleText, ReadAssignment, ReadingConfirmation,
    ReadingProgress, SectionReading,
)
from trainer.exams.models import Accommodation, AttemptItem, ExamAttempt, Question, QuestionVersion  # noqa: F401
from trainer.api.models import ApiToken  # noqa: F401
from trainer.certification.models import (  # noqa: F401
    Certificate, CertificationEvent, ReminderSent, SuspensionLift,
)
from trainer.inspections.models import (AreaFinding, InspectionReport, Loan, RaisedSignal, ReportAttachment,  # noqa: F401,E402
                                        ReportVersion, Review, ReviewDelegation)
from trainer.ledger.models import LedgerCheckpoint, LedgerEntry, LedgerHead  # noqa: F401,E402
from trainer.batches.models import (  # noqa: F401,E402
    BatchReminderSent, TrainingBatch, TrainingBatchMember, TrainingBatchModule,
)
from trainer.audit_log.models import AuditEvent, AuditHead  # noqa: F401,E402
from trainer.auth.account_tokens import AccountToken  # noqa: F401,E402
from trainer.meetings.models import (  # noqa: F401,E402
    CreditMeeting, MeetingAttendee, MeetingLoan, MeetingSignalDecision,
)
from trainer.notifications.models import Notification, OutboxMessage  # noqa: F401,E402
from trainer.escalations.models import Escalation  # noqa: F401,E402
