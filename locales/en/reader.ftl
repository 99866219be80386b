# What a reader sees: the embed (keys starting widget-, report-, category-, kind-, invalid- are
# sent to it inside embed.js), the report form without JavaScript, and the status page.
# Every key here must exist in every other locale too (a test checks).

## The report, in the embed's dialog and in the form alike

report-title = Report an inaccuracy
report-passage = Passage
report-passage-hint = The words in the article that are wrong, copied exactly.
report-category = Category
report-choose = Choose one
report-description = What is wrong?
report-suggestion = Suggested correction
report-evidence = Evidence links
report-evidence-hint = One link a line, at most 5.
report-name = Your name
report-email = Your email
report-notify = Email me about this report
report-send = Send report
report-follow = Follow this report
report-not-sent = The report was not sent.

category-factual_error = Factual error
category-misquote = Misquote
category-outdated = Outdated
category-missing_context = Missing context
category-typo = Typo
category-other = Other

kind-correction = Correction
kind-clarification = Clarification
kind-update = Update
kind-editors_note = Editor's note

## What is wrong with a field, by the field

invalid-passage = Give the words from the article, copied exactly as they appear in it.
invalid-category = Choose a category.
invalid-description = Say what is wrong, in { $description-min } to { $description-max } characters.
invalid-suggested_correction = Keep the suggested correction to plain text of at most { $suggestion-max } characters.
invalid-evidence_urls = Give at most { $evidence-max } links, each a whole address starting with http:// or https://.
invalid-reporter_name = Keep your name to plain text of at most { $name-max } characters.
invalid-reporter_email = Give an email address that works; it is needed to be emailed about the report.

## The embed

widget-corrections = Corrections
widget-was = Was:
widget-now = Now:
widget-retracted = Retracted:
widget-permalink = Permalink
widget-see-note = see the note
widget-cancel = Cancel
widget-close = Close
widget-not-sent = The report was not sent: { $message }
widget-server-answered = the server answered { $status }.
widget-unreachable = Errata could not be reached. Check your connection and try again.
widget-too-many = too many reports were sent from this address in the last hour. Please try again in about { $minutes } min.
widget-received = Thank you. Your report was received. Its reference is:

## The form without JavaScript

form-in = In
form-please-check = Please check:
form-trap = Leave this field empty
form-try-again = Too many reports were sent from this address in the last hour. Please try again in about { $minutes ->
        [one] one minute
       *[other] { $minutes } minutes
    }.
sent-page-title = Report received: { $reference }
sent-heading = Thank you: your report was received
sent-reference = Its reference is
sent-keep = Keep the link: it is the only way to see the report's progress.
sent-back = Back to the article

page-footer = Corrections tracked with Errata.

## Pages that say what went wrong

message-home = Go to the home page
message-csrf-title = Please send the form again
message-csrf = This form has expired or was not sent from this site. Go back, reload the page and send it again; what you typed is still in your browser's back history.
message-which-article-title = Which article?
message-which-article = This form needs the article's address: /report?url=ARTICLE_URL.
message-unknown-article-title = Article not found
message-unknown-article = Reports can be filed only on articles this newsroom has registered, and this address is not one of them.
message-unknown-status-title = Not found
message-unknown-status = This status link does not match any report. Check that the whole link was copied.

## The status page

status-page-title = Report { $reference }
status-header = Report status
status-about = About
status-progress = Progress
status-received = Received
status-under-review = Under review
status-resolved = Resolved
status-resolved-as = Resolved: { $outcome }
status-not-yet = (not yet)
status-looking = The newsroom is looking into your report. If you asked to be emailed, you will hear when it is resolved.
status-note-heading = { $kind ->
        [clarification] The published clarification
        [update] The published update
        [editors_note] The published editor's note
       *[correction] The published correction
    }
status-note-permalink = { $kind ->
        [clarification] Permalink to this clarification
        [update] Permalink to this update
        [editors_note] Permalink to this editor's note
       *[correction] Permalink to this correction
    }
status-note-retracted = This note was retracted on { $date }. The reason given:
status-private = Keep this link to yourself: anyone who has it can see this page. It never shows your name or email address.

outcome-corrected = Corrected
outcome-corrected-why = The newsroom agreed and published a correction.
outcome-clarified = Clarified
outcome-clarified-why = The newsroom published a clarification.
outcome-no_error = No error found
outcome-no_error-why = The newsroom reviewed the passage and found it accurate as published.
outcome-duplicate = Already reported
outcome-duplicate-why = Another reader reported the same passage{ $original ->
        [none] {""}
       *[other] {" "}({ $original })
    }. We will write to you again when that report is resolved.
outcome-closed = Closed
outcome-closed-why = The newsroom closed the report.

## Dates, as "2 December 2026, 22:02 UTC"

date-time = { $day } { $month } { $year }, { $time } UTC
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December
