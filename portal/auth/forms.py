"""Forms for signing in and for setting, resetting and changing a password."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from portal import passwords


class SignInForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Enter your email address."),
                                            Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")])
    submit = SubmitField("Sign in")


class NewPasswordForm(FlaskForm):
    """A new password, checked against the rules and against the person's own name and email."""
    password = PasswordField(
        "New password",
        validators=[DataRequired("Enter a new password.")],
        description=f"At least {passwords.MIN_LENGTH} characters. A few unrelated words is a good choice.",
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired("Repeat the new password."),
                    EqualTo("password", "The two passwords are not the same.")],
    )
    submit = SubmitField("Set password")

    def __init__(self, *args, owner=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._owner = owner

    def validate_password(self, field):
        problems = passwords.password_problems(
            field.data or "",
            email=self._owner.email if self._owner else "",
            name=self._owner.name if self._owner else "",
        )
        if problems:
            raise ValidationError(" ".join(problems))


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField("Current password",
                                     validators=[DataRequired("Enter your current password.")])
    submit = SubmitField("Change password")

    def validate_current_password(self, field):
        if not passwords.verify_password(self._owner.password_hash, field.data or ""):
            raise ValidationError("Your current password is not right.")


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Enter your email address."),
                                            Length(max=254)])
    submit = SubmitField("Send me a link")



class CodeForm(FlaskForm):
    """The six-digit code from an authenticator app."""
    code = StringField("Code from your authenticator app",
                       validators=[DataRequired("Enter the 6-digit code from your authenticator app."),
                                   Length(max=10, message="The code is 6 digits.")],
                       description="The 6-digit code your app shows for this service. It changes every 30 seconds.")
    submit = SubmitField("Continue")


class RecoveryCodeForm(FlaskForm):
    """One of the ten recovery codes shown when two-factor sign-in was set up."""
    code = StringField("Recovery code",
                       validators=[DataRequired("Enter one of your recovery codes."),
                                   Length(max=40, message="A recovery code is 10 letters and numbers.")],
                       description="Like 1a2b3-c4d5e. Each code works once.")
    submit = SubmitField("Continue")


class SetUpCodeForm(CodeForm):
    submit = SubmitField("Turn on two-factor sign-in")


class SignInLinkForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Enter your email address."), Length(max=254)])
    submit = SubmitField("Email me a link")
