# Lo que ve un lector: el embed, el formulario sin JavaScript y la página de estado.
# Las claves son las mismas que en locales/en/reader.ftl (una prueba lo comprueba).

## El aviso, en el diálogo del embed y en el formulario

report-title = Avisar de un error
report-passage = Pasaje
report-passage-hint = Las palabras del artículo que están mal, copiadas tal cual.
report-category = Categoría
report-choose = Elija una
report-description = ¿Qué está mal?
report-suggestion = Corrección propuesta
report-evidence = Enlaces a pruebas
report-evidence-hint = Un enlace por línea, como máximo 5.
report-name = Su nombre
report-email = Su correo electrónico
report-notify = Escríbanme sobre este aviso
report-send = Enviar aviso
report-follow = Seguir este aviso
report-not-sent = El aviso no se ha enviado.

category-factual_error = Error factual
category-misquote = Cita errónea
category-outdated = Desactualizado
category-missing_context = Falta contexto
category-typo = Errata tipográfica
category-other = Otro

kind-correction = Corrección
kind-clarification = Aclaración
kind-update = Actualización
kind-editors_note = Nota del editor

## Qué falla en un campo, por campo

invalid-passage = Indique las palabras del artículo, copiadas tal como aparecen en él.
invalid-category = Elija una categoría.
invalid-description = Explique qué está mal, con entre { $description-min } y { $description-max } caracteres.
invalid-suggested_correction = La corrección propuesta debe ser texto sin formato de { $suggestion-max } caracteres como máximo.
invalid-evidence_urls = Indique como máximo { $evidence-max } enlaces, cada uno una dirección completa que empiece por http:// o https://.
invalid-reporter_name = Su nombre debe ser texto sin formato de { $name-max } caracteres como máximo.
invalid-reporter_email = Indique una dirección de correo que funcione; hace falta para recibir correos sobre el aviso.

## El embed

widget-corrections = Correcciones
widget-was = Decía:
widget-now = Dice:
widget-retracted = Retirada:
widget-permalink = Enlace permanente
widget-see-note = ver la nota
widget-cancel = Cancelar
widget-close = Cerrar
widget-not-sent = El aviso no se ha enviado: { $message }
widget-server-answered = el servidor respondió { $status }.
widget-unreachable = No se ha podido contactar con Errata. Compruebe su conexión y vuelva a intentarlo.
widget-too-many = se han enviado demasiados avisos desde esta dirección en la última hora. Vuelva a intentarlo dentro de unos { $minutes } min.
widget-received = Gracias. Hemos recibido su aviso. Su referencia es:

## El formulario sin JavaScript

form-in = En
form-please-check = Revise lo siguiente:
form-trap = Deje este campo vacío
form-try-again = Se han enviado demasiados avisos desde esta dirección en la última hora. Vuelva a intentarlo dentro de { $minutes ->
        [one] un minuto
       *[other] unos { $minutes } minutos
    }.
sent-page-title = Aviso recibido: { $reference }
sent-heading = Gracias: hemos recibido su aviso
sent-reference = Su referencia es
sent-keep = Guarde el enlace: es la única forma de ver cómo avanza el aviso.
sent-back = Volver al artículo

page-footer = Correcciones gestionadas con Errata.

## Páginas que explican qué ha fallado

message-home = Ir a la página de inicio
message-csrf-title = Envíe el formulario de nuevo
message-csrf = Este formulario ha caducado o no se envió desde este sitio. Vuelva atrás, recargue la página y envíelo de nuevo; lo que escribió sigue en el historial de su navegador.
message-which-article-title = ¿Qué artículo?
message-which-article = Este formulario necesita la dirección del artículo: /report?url=URL_DEL_ARTICULO.
message-unknown-article-title = Artículo no encontrado
message-unknown-article = Solo se pueden enviar avisos sobre artículos que esta redacción ha registrado, y esta dirección no es uno de ellos.
message-unknown-status-title = No encontrado
message-unknown-status = Este enlace de estado no corresponde a ningún aviso. Compruebe que copió el enlace completo.

## La página de estado

status-page-title = Aviso { $reference }
status-header = Estado del aviso
status-about = Sobre
status-progress = Progreso
status-received = Recibido
status-under-review = En revisión
status-resolved = Resuelto
status-resolved-as = Resuelto: { $outcome }
status-not-yet = (todavía no)
status-looking = La redacción está estudiando su aviso. Si pidió que le escribiéramos, recibirá un correo cuando se resuelva.
status-note-heading = { $kind ->
        [clarification] La aclaración publicada
        [update] La actualización publicada
        [editors_note] La nota del editor publicada
       *[correction] La corrección publicada
    }
status-note-permalink = { $kind ->
        [clarification] Enlace permanente a esta aclaración
        [update] Enlace permanente a esta actualización
        [editors_note] Enlace permanente a esta nota del editor
       *[correction] Enlace permanente a esta corrección
    }
status-note-retracted = Esta nota fue retirada el { $date }. El motivo:
status-private = No comparta este enlace: cualquiera que lo tenga puede ver esta página. Nunca muestra su nombre ni su correo electrónico.

outcome-corrected = Corregido
outcome-corrected-why = La redacción le dio la razón y publicó una corrección.
outcome-clarified = Aclarado
outcome-clarified-why = La redacción publicó una aclaración.
outcome-no_error = No se encontró ningún error
outcome-no_error-why = La redacción revisó el pasaje y comprobó que es correcto tal como se publicó.
outcome-duplicate = Ya avisado
outcome-duplicate-why = Otro lector avisó del mismo pasaje{ $original ->
        [none] {""}
       *[other] {" "}({ $original })
    }. Le escribiremos de nuevo cuando se resuelva ese aviso.
outcome-closed = Cerrado
outcome-closed-why = La redacción cerró el aviso.

## Fechas, como «2 de diciembre de 2026, 22:02 UTC»

date-time = { $day } de { $month } de { $year }, { $time } UTC
month-1 = enero
month-2 = febrero
month-3 = marzo
month-4 = abril
month-5 = mayo
month-6 = junio
month-7 = julio
month-8 = agosto
month-9 = septiembre
month-10 = octubre
month-11 = noviembre
month-12 = diciembre
