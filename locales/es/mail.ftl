# Lo que se envía a un lector por correo (claves mail-) y las páginas que abren sus enlaces
# (confirm-, unsubscribe-). Cada clave debe existir en todos los idiomas (lo comprueba una prueba).

## Ambos mensajes

mail-hello = Hola:
mail-hello-name = Hola, { $name }:
mail-reference = Su referencia: { $reference }
mail-passage = El pasaje que señaló:
mail-article = Artículo: { $url }
mail-status = Estado de su aviso: { $url }
mail-status-link = Estado de su aviso
mail-footer = Enviado por Errata en nombre de la redacción. Lo recibe porque pidió que le informáramos sobre este aviso.
mail-unsubscribe = No recibir más correos sobre este aviso: { $url }
mail-unsubscribe-link = Darse de baja

## El acuse de recibo

mail-received-subject = Hemos recibido su aviso { $reference }
mail-received-thanks = Gracias por señalar una posible inexactitud en «{ $title }».
mail-received-next = Nuestros editores lo revisarán. Puede seguir su estado en cualquier momento aquí:
mail-received-follow = Seguir su estado
mail-confirm-ask = Para que le escribamos cuando se resuelva, confirme su dirección de correo:
mail-confirm-link = Confirmar mi dirección
mail-confirm-why = Si usted no envió este aviso, ignore este mensaje: si la dirección no se confirma, no volveremos a escribirle.

## La resolución

mail-resolved-subject = Su aviso { $reference } se ha resuelto: { $outcome }
mail-resolved-intro = Su aviso { $reference } sobre «{ $title }» se ha resuelto.
mail-outcome = Resultado: { $outcome }
mail-read-note = Léala en el artículo
mail-thanks = Gracias por ayudarnos a hacerlo bien.

## Las páginas de los enlaces

confirm-title = Confirme su dirección de correo
confirm-explain = Pulse el botón para confirmar que podemos escribirle cuando se resuelva el aviso { $reference }.
confirm-button = Confirmar
confirm-done-title = Dirección confirmada
confirm-done = Gracias. Le escribiremos cuando se resuelva el aviso { $reference }.
confirm-unsubscribed = Se dio de baja del correo sobre el aviso { $reference }, así que no le enviaremos más mensajes sobre él.
unsubscribe-title = No recibir más correos sobre este aviso
unsubscribe-explain = Pulse el botón y no le enviaremos más correos sobre el aviso { $reference }.
unsubscribe-button = Darse de baja
unsubscribe-done-title = Baja confirmada
unsubscribe-done = No le enviaremos más correos sobre el aviso { $reference }.
unsubscribe-unknown-title = Enlace no válido
unsubscribe-unknown = Este enlace no corresponde a ningún aviso. Compruebe que copió el enlace completo.
